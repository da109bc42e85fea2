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

        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.TryReserveAsync("new", Start.AddMinutes(1), Start.AddMinutes(2), 1, 1);

        using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM counters WHERE key LIKE 'old|%'";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
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
            failsWithin: TimeSpan.FromSeconds(2));
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
