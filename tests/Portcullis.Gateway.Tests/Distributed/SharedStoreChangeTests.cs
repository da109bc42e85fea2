using System.Diagnostics;
using System.Net;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Storage;
using Portcullis.Storage.Grants;
using Portcullis.TestServers;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>
/// Two gateway instances that serve grants and sessions from memory, on one SQLite file (each with
/// its own stores on the file) and on Redis with PostgreSQL: a session ended through one instance,
/// and a grant rotated or revoked through a third handle on the store (as the command line does),
/// are refused by both within a second, and never served again.
/// </summary>
public sealed class SharedStoreChangeTests(RedisServer redis, PostgresServer postgres)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(1);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public Task TwoInstancesOnOneSqliteFile_RefuseAnEndedSessionAndARotatedOrRevokedGrant_WithinOneSecond() =>
        GatewayCluster.OnTemporarySqliteFileAsync("change-cluster", ChangesReachEveryInstanceAsync);

    [Fact]
    public async Task TwoInstancesOnRedisAndPostgres_RefuseAnEndedSessionAndARotatedOrRevokedGrant_WithinOneSecond()
    {
        redis.Require();
        postgres.Require();
        await ChangesReachEveryInstanceAsync(new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await postgres.CreateDatabaseAsync() });
    }

    [Fact]
    public async Task PostgresDown_ARunTimeGrantServedFromMemory_IsRefusedAsTheGrantStoreBeingUnavailable_WithinOneSecond()
    {
        redis.Require();
        await using var ownPostgres = new PostgresServer();
        await ownPostgres.InitializeAsync();
        ownPostgres.Require();
        var store = new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await ownPostgres.CreateDatabaseAsync() };
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 1);
        var token = GrantRegistry.NewToken();
        await using (var admin = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel))
        {
            await CreateRuntimeGrantAsync(admin, token);
        }

        using var http = new HttpClient();
        var session = await DistributedGatewayTests.OpenSessionAsync(http, cluster.McpUrl(0), token);
        Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(0), token, session));

        await ownPostgres.StopAsync();
        var clock = Stopwatch.StartNew();
        HttpResponseMessage answer;
        while (true)
        {
            answer = await DistributedGatewayTests.PostAsync(http, cluster.McpUrl(0), """{"jsonrpc":"2.0","id":7,"method":"ping"}""", session, token);
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                break;
            }

            answer.Dispose();
            Assert.True(clock.Elapsed < s_deadline, $"Still accepted {clock.Elapsed.TotalMilliseconds:F0} ms after PostgreSQL stopped.");
            await Task.Delay(10, Cancel);
        }

        using (answer)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Contains("The grant store is unavailable; try again shortly.", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }
    }

    /// <summary>A run-time grant named "runtime" for the codex server with <paramref name="token"/>.</summary>
    private static async Task CreateRuntimeGrantAsync(StoreSet admin, string token) =>
        Assert.True(await admin.Grants.CreateAsync(new StoredGrant
        {
            Name = "runtime",
            TokenHash = [.. GrantRegistry.Hash(token)],
            Servers = ["codex"],
            CreatedAt = DateTimeOffset.UtcNow,
        }, Cancel));

    private static async Task ChangesReachEveryInstanceAsync(StoreConfig store)
    {
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 2);
        await using var admin = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);
        var token = GrantRegistry.NewToken();
        await CreateRuntimeGrantAsync(admin, token);
        using var http = new HttpClient();

        // Both instances have read the grant and the session, and serve them from memory from now on.
        var ended = await DistributedGatewayTests.OpenSessionAsync(http, cluster.McpUrl(0), token);
        var kept = await DistributedGatewayTests.OpenSessionAsync(http, cluster.McpUrl(1), token);
        foreach (var instance in new[] { 0, 1 })
        {
            Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(instance), token, ended));
            Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(instance), token, kept));
        }

        using (var delete = new HttpRequestMessage(HttpMethod.Delete, cluster.McpUrl(0)))
        {
            delete.Headers.Authorization = new("Bearer", token);
            delete.Headers.Add("Mcp-Session-Id", ended);
            using var deleted = await http.SendAsync(delete, Cancel);
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await AssertRefusedEverywhereWithinADeadlineAsync(http, cluster, token, ended, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(0), token, kept));

        var rotated = GrantRegistry.NewToken();
        Assert.True(await admin.Grants.ReplaceTokenAsync("runtime", GrantRegistry.Hash(rotated), Cancel));
        await AssertRefusedEverywhereWithinADeadlineAsync(http, cluster, token, kept, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(0), rotated, kept));
        Assert.Equal(HttpStatusCode.OK, await PingAsync(http, cluster.McpUrl(1), rotated, kept));

        Assert.True(await admin.Grants.RevokeAsync("runtime", DateTimeOffset.UtcNow, Cancel));
        await AssertRefusedEverywhereWithinADeadlineAsync(http, cluster, rotated, kept, HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// Asks both instances in turn until each refuses with <paramref name="status"/>, failing if that
    /// takes longer than the deadline from the change; then checks that neither serves it again.
    /// </summary>
    private static async Task AssertRefusedEverywhereWithinADeadlineAsync(HttpClient http, GatewayCluster cluster, string token, string session,
        HttpStatusCode status)
    {
        var clock = Stopwatch.StartNew();
        var refused = new bool[2];
        while (!refused.All(r => r))
        {
            for (var instance = 0; instance < refused.Length; instance++)
            {
                if (!refused[instance])
                {
                    var answer = await PingAsync(http, cluster.McpUrl(instance), token, session);
                    Assert.True(answer is HttpStatusCode.OK || answer == status, $"Instance {instance} answered {answer}.");
                    refused[instance] = answer == status;
                }
            }

            Assert.True(clock.Elapsed < s_deadline, $"Still served after {clock.Elapsed.TotalMilliseconds:F0} ms by instance(s) {string.Join(", ",
                Enumerable.Range(0, refused.Length).Where(i => !refused[i]))}.");
            await Task.Delay(10, Cancel);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(status, await PingAsync(http, cluster.McpUrl(i % 2), token, session));
        }
    }

    private static async Task<HttpStatusCode> PingAsync(HttpClient http, Uri url, string token, string session)
    {
        using var response = await DistributedGatewayTests.PostAsync(http, url, """{"jsonrpc":"2.0","id":7,"method":"ping"}""", session, token);
        return response.StatusCode;
    }
}
