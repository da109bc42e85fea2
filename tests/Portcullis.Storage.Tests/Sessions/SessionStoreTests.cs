using Microsoft.Data.Sqlite;
using Portcullis.Storage.Redis;
using Portcullis.Storage.Sessions;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Sessions;

public sealed class InMemorySessionStoreTests : SessionStoreContract
{
    protected override (ISessionStore First, ISessionStore Second) CreatePair()
    {
        var store = new InMemorySessionStore();
        return (store, store);
    }
}

public sealed class SqliteSessionStoreTests : SessionStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-sessions-").FullName;

    private string DatabasePath => Path.Combine(_directory, "state.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override (ISessionStore First, ISessionStore Second) CreatePair() => (new SqliteSessionStore(DatabasePath), new SqliteSessionStore(DatabasePath));

    [Fact]
    public async Task Sessions_SurviveAReopenedStore()
    {
        var session = NewSession(Now);
        await new SqliteSessionStore(DatabasePath).CreateAsync(session);

        Assert.Equal(session, await new SqliteSessionStore(DatabasePath).FindAsync(session.Id, Now));
    }
}

public sealed class RedisSessionStoreTests(RedisServer redis) : SessionStoreContract, IAsyncLifetime
{
    private readonly List<RedisConnection> _connections = [];

    public async ValueTask InitializeAsync()
    {
        redis.Require();
        _connections.Add(await RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2)));
        _connections.Add(await RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    protected override (ISessionStore First, ISessionStore Second) CreatePair() =>
        (new RedisSessionStore(_connections[0], TimeSpan.FromHours(2)), new RedisSessionStore(_connections[1], TimeSpan.FromHours(2)));

    [Fact]
    public async Task SessionKeys_ExpireByThemselves()
    {
        var (store, _) = CreatePair();
        var session = NewSession(DateTimeOffset.UtcNow);
        await store.CreateAsync(session);

        var ttl = await _connections[0].Database.KeyTimeToLiveAsync("portcullis:session:" + session.Id);

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
    }
}
