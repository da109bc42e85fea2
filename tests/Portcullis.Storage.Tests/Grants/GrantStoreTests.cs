using Microsoft.Data.Sqlite;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Grants;

public sealed class SqliteGrantStoreTests : GrantStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-grants-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<(IGrantStore First, IGrantStore Second)> CreatePairAsync()
    {
        var path = Path.Combine(_directory, "state.db");
        return Task.FromResult<(IGrantStore, IGrantStore)>((new SqliteGrantStore(path), new SqliteGrantStore(path)));
    }

    [Fact]
    public async Task AFileThatStoppedBeingADatabase_IsReportedAsAnUnavailableStore()
    {
        var path = Path.Combine(_directory, "state.db");
        var store = new SqliteGrantStore(path);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory, "state.db*"))
        {
            File.Delete(file);
        }

        await File.WriteAllTextAsync(path, new string('x', 8192), TestContext.Current.CancellationToken);

        var find = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.FindByTokenHashAsync(new byte[32]).AsTask());
        var stamp = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadChangeStampAsync().AsTask());
        Assert.StartsWith("The SQLite store failed: ", find.Message, StringComparison.Ordinal);
        Assert.StartsWith("The SQLite store failed: ", stamp.Message, StringComparison.Ordinal);
    }
}

public sealed class PostgresGrantStoreTests(PostgresServer postgres) : GrantStoreContract, IAsyncDisposable
{
    private readonly PostgresHandles _databases = new(postgres);

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    protected override async Task<(IGrantStore First, IGrantStore Second)> CreatePairAsync()
    {
        var (first, second) = await _databases.OpenPairAsync();
        return (new PostgresGrantStore(first), new PostgresGrantStore(second));
    }

    [Fact]
    public async Task Migrations_RunByManyInstancesAtOnce_ApplyEachStepOnce()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync();

        var databases = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _databases.OpenAsync(connectionString)));

        using var command = databases[0].DataSource.CreateCommand("SELECT count(*), max(version) FROM portcullis_schema");
        using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(PostgresDatabase.SchemaVersion, reader.GetInt64(0));
        Assert.Equal(PostgresDatabase.SchemaVersion, reader.GetInt32(1));
    }

    [Fact]
    public async Task PostgresUnreachable_IsReportedAsAnUnavailableStore()
    {
        var port = ExternalComponent.FreePort();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            PostgresDatabase.OpenAsync($"postgres://postgres@127.0.0.1:{port}/none"));

        Assert.Contains("PostgreSQL is unavailable", error.Message, StringComparison.Ordinal);
    }
}
