using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Storage.Tests.Limits;

public sealed class SqliteCounterStoreTests : CounterStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-counters-").FullName;

    private string DatabasePath => Path.Combine(_directory, "state.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override (ICounterStore First, ICounterStore Second) CreatePair() =>
        (new SqliteCounterStore(DatabasePath, Clock), new SqliteCounterStore(DatabasePath, Clock));

    [Fact]
    public Task NextWindow_StartsFromZero_AndExpiredRowsAreDeleted() =>
        GivenWindowChecks.NextWindowStartsFromZero_AndExpiredWindowsAreSwept(new SqliteCounterStore(DatabasePath, Clock), Clock, Start);

    [Fact]
    public async Task ExpiredRows_AreDeleted()
    {
        var store = new SqliteCounterStore(DatabasePath, Clock);
        await store.TryReserveAsync("old", Start, Start.AddSeconds(1), 1, 1);
        Assert.True(await EventuallyAsync(() => CountRows("old|%") == 1), "The owner never wrote the reservation.");

        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.TryReserveAsync("new", Start.AddMinutes(1), Start.AddMinutes(2), 1, 1);

        // Swept when the counters are next written: at once in the file, within a write interval by the owner.
        Assert.True(await EventuallyAsync(() => CountRows("old|%") == 0), "The ended window's row is still in the file.");
        Assert.Equal(1, CountRows("new|%"));
    }

    private long CountRows(string keyPattern)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM counters WHERE key LIKE $pattern";
        command.Parameters.AddWithValue("$pattern", keyPattern);
        return (long)command.ExecuteScalar()!;
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(5))
            {
                return false;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return true;
    }

    [Fact]
    public async Task Counters_SurviveAReopenedStore()
    {
        Assert.Equal(CounterReservationOutcome.Acquired, (await new SqliteCounterStore(DatabasePath, Clock).TryReserveAsync("k", Start, End, 3, 3)).Outcome);

        var reopened = new SqliteCounterStore(DatabasePath, Clock);

        Assert.Equal(CounterReservationOutcome.Full, (await reopened.TryReserveAsync("k", Start, End, 3, 1)).Outcome);
    }

    [Fact]
    public async Task FileNotADatabase_ReservationsAreUnavailable_AndWorkAgainWhenItIsRestored()
    {
        var store = new SqliteCounterStore(DatabasePath, Clock);
        var saved = Directory.CreateDirectory(Path.Combine(_directory, "saved")).FullName;

        await BackendDown_ReservationsAreUnavailable_AndResumeAsync(store,
            takeDown: () =>
            {
                // Pooled connections keep the file open; closed, the next open reads what is on disk.
                SqliteConnection.ClearAllPools();
                MoveDatabaseFiles(_directory, saved);
                File.WriteAllText(DatabasePath, new string('x', 8192));
                return Task.CompletedTask;
            },
            bringBack: () =>
            {
                SqliteConnection.ClearAllPools();
                File.Delete(DatabasePath);
                MoveDatabaseFiles(saved, _directory);
                return Task.CompletedTask;
            },
            failsWithin: TimeSpan.FromSeconds(2),
            // The owner of the counters notices when it next writes their changes, ten times a second.
            decidesInMemoryFor: TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task TheOwner_WritesItsReservationsToTheFile_SeveralTimesASecond()
    {
        var store = new SqliteCounterStore(DatabasePath, Clock);
        var key = NewKey();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(key, Start, End, 10, 1)).Outcome);
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await EventuallyAsync(() => StoredValue(key, Start) == 3));
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(1), $"Written after {waited.Elapsed}.");
    }

    [Fact]
    public async Task ASecondStore_GetsWhatTheOwnerLeft_AfterItHandsOver()
    {
        var owner = new SqliteCounterStore(DatabasePath, Clock);
        var key = NewKey();
        Assert.Equal(CounterReservationOutcome.Acquired, (await owner.TryReserveAsync(key, Start, End, 10, 7)).Outcome);

        var newcomer = new SqliteCounterStore(DatabasePath, Clock);
        var fits = await newcomer.TryReserveAsync(key, Start, End, 10, 3);
        var over = await newcomer.TryReserveAsync(key, Start, End, 10, 1);
        var ownerAfter = await owner.TryReserveAsync(key, Start, End, 10, 1);

        Assert.Equal(CounterReservationOutcome.Acquired, fits.Outcome);
        Assert.Equal(CounterReservationOutcome.Full, over.Outcome);
        Assert.Equal(CounterReservationOutcome.Full, ownerAfter.Outcome);
        Assert.Equal(10, StoredValue(key, Start));
        Assert.False(File.Exists(DatabasePath + "-counters.handover"));
    }

    [Fact]
    public async Task ADisposedOwner_WritesWhatItHadNotWritten_AndTheNextStoreOwnsTheCounters()
    {
        var key = NewKey();
        await using (var owner = new SqliteCounterStore(DatabasePath, Clock))
        {
            await owner.TryReserveAsync(key, Start, End, 10, 4);
            var leased = await owner.TryReserveAsync(key, Start, End, 10, 2);
            await owner.RollbackAsync(leased.Lease!);
        }

        Assert.Equal(4, StoredValue(key, Start));
        await using var next = new SqliteCounterStore(DatabasePath, Clock);
        Assert.Equal(CounterReservationOutcome.Acquired, (await next.TryReserveAsync(key, Start, End, 10, 6)).Outcome);
        Assert.Equal(CounterReservationOutcome.Full, (await next.TryReserveAsync(key, Start, End, 10, 1)).Outcome);
    }

    [Fact]
    public async Task AnOwnerThatNeverHandsOver_MakesReservationsUnavailable_AllWithinOneHandoverWait()
    {
        var key = NewKey();
        // A lock held exclusively by something that never answers a handover request.
        using var stuck = new FileStream(DatabasePath + "-counters.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var store = new SqliteCounterStore(DatabasePath, Clock);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.TryReserveAsync(key, Start, End, 10, 1).AsTask()));

        // One wait answers every caller queued behind it, rather than each waiting its own 5 s in turn.
        Assert.All(refused, r => Assert.Equal(CounterReservationOutcome.StoreUnavailable, r.Outcome));
        Assert.Contains("did not hand them over", refused[0].Error!.Message, StringComparison.Ordinal);
        Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9));
        stuck.Dispose();
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(key, Start, End, 10, 1)).Outcome);
    }

    [Fact]
    public async Task ALockFileThatCannotBeOpened_MakesReservationsUnavailable_NamingIt()
    {
        // A directory where the lock file should be: neither an exclusive nor a shared open can succeed.
        Directory.CreateDirectory(DatabasePath + "-counters.lock");
        var store = new SqliteCounterStore(DatabasePath, Clock);

        var refused = await store.TryReserveAsync(NewKey(), Start, End, 10, 1);

        Assert.Equal(CounterReservationOutcome.StoreUnavailable, refused.Outcome);
        Assert.Contains("lock file cannot be opened", refused.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedStore_RefusesReservationsAndRollbacks_WhicheverWayItReserved()
    {
        var owner = new SqliteCounterStore(DatabasePath, Clock);
        var sharing = new SqliteCounterStore(DatabasePath, Clock);
        var key = NewKey();
        var owned = await owner.TryReserveAsync(key, Start, End, 10, 1);
        var inFile = await sharing.TryReserveAsync(key, Start, End, 10, 1);
        var fresh = new SqliteCounterStore(DatabasePath, Clock);

        await owner.DisposeAsync();
        await sharing.DisposeAsync();
        await fresh.DisposeAsync();

        foreach (var store in new[] { owner, sharing, fresh })
        {
            var refused = await store.TryReserveAsync(key, Start, End, 10, 1);
            Assert.Equal(CounterReservationOutcome.StoreUnavailable, refused.Outcome);
            Assert.Contains("closed", refused.Error!.Message, StringComparison.Ordinal);
        }

        await Assert.ThrowsAsync<StoreUnavailableException>(() => sharing.RollbackAsync(inFile.Lease!).AsTask());
        Assert.Equal(2, StoredValue(key, Start));
        Assert.Equal(CounterReservationOutcome.Acquired, owned.Outcome);
    }

    [Fact]
    public async Task AStoreThatNeverReserved_TakesNoWriteLockWhenClosed()
    {
        var store = new SqliteCounterStore(DatabasePath, Clock);
        // Another process in the middle of a write: a store closing with a write of its own would wait for it.
        using var writer = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        writer.Open();
        using var transaction = writer.BeginTransaction(deferred: false);

        var closing = System.Diagnostics.Stopwatch.StartNew();
        await store.DisposeAsync();

        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(1), $"Closing took {closing.Elapsed}.");
        Assert.False(File.Exists(DatabasePath + "-counters.lock"));
    }

    private long StoredValue(string key, DateTimeOffset windowStart)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM counters WHERE key = $key";
        command.Parameters.AddWithValue("$key", CounterLease.WindowKey(key, windowStart));
        return command.ExecuteScalar() is long value ? value : 0;
    }

    /// <summary>Moves the database and its WAL and shared-memory files, whichever exist.</summary>
    private static void MoveDatabaseFiles(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "state.db*"))
        {
            File.Move(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
