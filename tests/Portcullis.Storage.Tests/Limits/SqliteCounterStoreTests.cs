using Portcullis.Storage.Limits;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Storage.Tests.Limits;

public sealed class SqliteCounterStoreTests : CounterStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-counters-").FullName;

    private string DatabasePath => Path.Combine(_directory, "state.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override (ICounterStore First, ICounterStore Second) CreatePair() =>
        (new SqliteCounterStore(DatabasePath, Clock), new SqliteCounterStore(DatabasePath, Clock));

    [Fact]
    public async Task Counters_SurviveAReopenedStore()
    {
        var end = Start.AddMinutes(1);
        Assert.NotNull(await new SqliteCounterStore(DatabasePath, Clock).TryReserveAsync("k", end, 3, 3));

        var reopened = new SqliteCounterStore(DatabasePath, Clock);

        Assert.Null(await reopened.TryReserveAsync("k", end, 3, 1));
    }
}
