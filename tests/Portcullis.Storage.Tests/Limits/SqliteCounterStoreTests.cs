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
        Assert.NotNull(await new SqliteCounterStore(DatabasePath, Clock).TryReserveAsync("k", Start, End, 3, 3));

        var reopened = new SqliteCounterStore(DatabasePath, Clock);

        Assert.Null(await reopened.TryReserveAsync("k", Start, End, 3, 1));
    }
}
