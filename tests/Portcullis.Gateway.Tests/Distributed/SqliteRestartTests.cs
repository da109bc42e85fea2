using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Sqlite;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>The embedded store across a restart of the gateway.</summary>
public sealed class SqliteRestartTests : IDisposable
{
    private const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": { "limits": [{ "counter": "generate", "window": "day", "max": 2, "scope": "grant" }] },
            "review_code": {}
          }
        }
        """;

    private const string Generate = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"x"}}}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-restart-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AfterARestart_GrantsPolicyVersionsCountersAndSessionsAreStillThere()
    {
        var store = StoreConfig.Sqlite(Path.Combine(_directory, "state.db"));
        var token = GrantRegistry.NewToken();
        await new SqliteGrantStore(store.SqlitePath!).CreateAsync(new StoredGrant
        {
            Name = "runtime",
            TokenHash = [.. GrantRegistry.Hash(token)],
            Servers = ["codex"],
            CreatedAt = DateTimeOffset.UtcNow,
        }, Cancel);
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 1, policy: Policy);
        using var http = new HttpClient();
        var session = await OpenSessionAsync(http, cluster.McpUrl(0), token);
        Assert.Contains("[demo:", await CallAsync(http, cluster.McpUrl(0), session, token), StringComparison.Ordinal);
        Assert.Contains("[demo:", await CallAsync(http, cluster.McpUrl(0), session, token), StringComparison.Ordinal);
        await File.WriteAllTextAsync(cluster.PolicyPath(0), Policy.Replace("\"review_code\": {}", "\"review_code\": {\"action\": \"deny\"}", StringComparison.Ordinal), Cancel);
        Assert.True(await WaitUntilAsync(() => cluster.Policies(0).VersionOf("codex") == 2, TimeSpan.FromSeconds(10)));

        await cluster.StopInstanceAsync(0);
        await cluster.StartInstanceAsync(store, policy: Policy, policyFile: 0);
        var restarted = cluster.McpUrl(1);

        Assert.Equal(2, cluster.Policies(1).VersionOf("codex"));
        Assert.Contains("[POLICY DENIED]", await CallAsync(http, restarted, session, token), StringComparison.Ordinal);
        Assert.Equal(2, cluster.Upstream.ToolCallsServed);
        var history = await new SqlitePolicyStore(store.SqlitePath!).ListAsync("codex", Cancel);
        Assert.Equal([2, 1], history.Select(v => v.Version));
    }

    private static async Task<string> CallAsync(HttpClient http, Uri url, string session, string token)
    {
        using var response = await PostAsync(http, url, Generate, session, token);
        return await response.Content.ReadAsStringAsync(Cancel);
    }
}
