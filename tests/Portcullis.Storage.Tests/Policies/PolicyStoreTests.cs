using Microsoft.Data.Sqlite;
using Portcullis.Storage.Policies;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Policies;

public sealed class InMemoryPolicyStoreTests : PolicyStoreContract
{
    protected override Task<(IPolicyStore First, IPolicyStore Second)> CreatePairAsync()
    {
        var store = new InMemoryPolicyStore();
        return Task.FromResult<(IPolicyStore, IPolicyStore)>((store, store));
    }
}

public sealed class SqlitePolicyStoreTests : PolicyStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-policies-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<(IPolicyStore First, IPolicyStore Second)> CreatePairAsync()
    {
        var path = Path.Combine(_directory, "state.db");
        return Task.FromResult<(IPolicyStore, IPolicyStore)>((new SqlitePolicyStore(path), new SqlitePolicyStore(path)));
    }

    [Fact]
    public async Task Versions_SurviveAReopenedStore()
    {
        var path = Path.Combine(_directory, "reopen.db");
        await new SqlitePolicyStore(path).SaveAsync(Policy("a", "{}"));

        Assert.Equal(1, (await new SqlitePolicyStore(path).LatestAsync("a"))!.Version);
    }
}

public sealed class PostgresPolicyStoreTests(PostgresServer postgres) : PolicyStoreContract, IAsyncDisposable
{
    private readonly PostgresHandles _databases = new(postgres);

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    protected override async Task<(IPolicyStore First, IPolicyStore Second)> CreatePairAsync()
    {
        var (first, second) = await _databases.OpenPairAsync();
        return (new PostgresPolicyStore(first), new PostgresPolicyStore(second));
    }
}
