using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Audit;
using Portcullis.TestServers;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>The audit store (PostgreSQL, a server of the test's own) stopped in the middle of 1,000 calls.</summary>
public sealed class AuditOutageTests(RedisServer redis)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Review = """{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"review_code","arguments":{"code":"x"}}}""";

    [Fact]
    public async Task PostgresDownDuring1000Calls_LosesNoRecord_AndTheChainVerifies()
    {
        redis.Require();
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        postgres.Require();
        var store = new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await postgres.CreateDatabaseAsync() };
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 1);
        using var http = new HttpClient();
        var url = cluster.McpUrl(0);
        var session = await OpenSessionAsync(http, url);

        async Task CallsAsync(int count)
        {
            using var gate = new SemaphoreSlim(16);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                await gate.WaitAsync(Cancel);
                try
                {
                    using var response = await PostAsync(http, url, Review, session);
                    Assert.Contains("no issues found", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await CallsAsync(300);
        await postgres.StopAsync();
        await CallsAsync(400);
        Assert.True(cluster.Audit(0).Spilling, "Records were not spilled while PostgreSQL was down.");
        await postgres.StartAsync();
        await CallsAsync(300);

        var drained = await WaitUntilAsync(() => cluster.Audit(0).Pending == 0 && !cluster.Audit(0).Spilling, TimeSpan.FromSeconds(30));
        Assert.True(drained, "The spilled records were not written after PostgreSQL returned.");
        var calls = await cluster.State(0).Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Call, Limit = 5000 }, Cancel);
        Assert.Equal(1000, calls.Count);
        Assert.Equal(1000, calls.Select(r => r.Seq).Distinct().Count());
        var all = new List<StoredAuditRecord>();
        await foreach (var record in cluster.State(0).Audit.ReadAllAsync(Cancel))
        {
            all.Add(record);
        }

        var verification = AuditVerifier.Verify(all, []);
        Assert.True(verification.Intact, verification.Problem);
    }
}
