using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using ModelContextProtocol.Protocol;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Policies;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Policies;
using Portcullis.TestServers;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>Two gateway instances sharing real Redis and PostgreSQL servers, as behind a load balancer.</summary>
public sealed class DistributedGatewayTests(RedisServer redis, PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<StoreConfig> FreshStoreAsync()
    {
        redis.Require();
        postgres.Require();
        return new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await postgres.CreateDatabaseAsync() };
    }

    [Fact]
    public async Task OneSession_WhoseRequestsAlternateBetweenInstances_WorksEndToEnd()
    {
        await using var cluster = await GatewayCluster.StartAsync(await FreshStoreAsync(), instances: 2);
        var served = new List<int>();

        await using (var client = await cluster.ConnectRoundRobinAsync(served, cancellationToken: Cancel))
        {
            var tools = await client.ListToolsAsync(cancellationToken: Cancel);
            Assert.Equal(["code_generate", "review_code"], tools.Select(t => t.Name).Order());
            for (var i = 0; i < 6; i++)
            {
                var result = await client.CallToolAsync("review_code", new Dictionary<string, object?> { ["code"] = $"print({i})" }, cancellationToken: Cancel);
                Assert.NotEqual(true, result.IsError);
            }
        }

        Assert.Equal(6, cluster.Upstream.ToolCallsServed);
        lock (served)
        {
            Assert.Contains(0, served);
            Assert.Contains(1, served);
        }
    }

    [Fact]
    public async Task APolicySavedOnInstanceA_IsEnforcedByInstanceB_WithinOneSecond()
    {
        await using var cluster = await GatewayCluster.StartAsync(await FreshStoreAsync(), instances: 2);
        await using var clientOfB = await cluster.ConnectAsync(1, cancellationToken: Cancel);
        var args = new Dictionary<string, object?> { ["code"] = "print(1)" };
        Assert.NotEqual(true, (await clientOfB.CallToolAsync("review_code", args, cancellationToken: Cancel)).IsError);
        var before = cluster.Policies(0).VersionOf("codex");

        await File.WriteAllTextAsync(cluster.PolicyPath(0), GatewayCluster.Policy.Replace("\"review_code\": {}",
            "\"review_code\": {\"action\": \"deny\", \"reason\": \"Reviews are paused.\"}", StringComparison.Ordinal), Cancel);
        var savedOnA = await WaitUntilAsync(() => cluster.Policies(0).VersionOf("codex") > before, TimeSpan.FromSeconds(10));
        var reachedB = await WaitUntilAsync(() => cluster.Policies(1).VersionOf("codex") == cluster.Policies(0).VersionOf("codex"), TimeSpan.FromSeconds(5));

        Assert.True(savedOnA, "Instance A did not import its saved policy file.");
        Assert.True(reachedB, "Instance B never applied the version saved on A.");
        var denied = await clientOfB.CallToolAsync("review_code", args, cancellationToken: Cancel);
        Assert.Equal("[POLICY DENIED] Reviews are paused.", Assert.IsType<TextContentBlock>(Assert.Single(denied.Content)).Text);
    }

    [Fact]
    public async Task AVersionSavedThroughTheStore_ReachesEveryInstanceWithinOneSecond_AndARestoreIsANewVersion()
    {
        var store = await FreshStoreAsync();
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 2);
        await using var admin = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);
        var denying = GatewayCluster.Policy.Replace("\"review_code\": {}", "\"review_code\": {\"action\": \"deny\", \"reason\": \"No.\"}", StringComparison.Ordinal);

        var clock = Stopwatch.StartNew();
        var publisher = new PolicyPublisher(admin.Policies, admin.Changes, audit: null);
        var (saved, _, errors) = await publisher.SaveAsync(new NewPolicyVersion("codex", denying, "json", "cli", "test", DateTimeOffset.UtcNow), "test", Cancel);
        Assert.Empty(errors);
        Assert.True(await WaitUntilAsync(() => cluster.Policies(0).VersionOf("codex") == saved!.Version && cluster.Policies(1).VersionOf("codex") == saved.Version,
            TimeSpan.FromSeconds(5)));
        var propagation = clock.Elapsed;

        var original = await admin.Policies.GetAsync("codex", 1, Cancel);
        var (restored, _, _) = await publisher.SaveAsync(
            new NewPolicyVersion("codex", original!.Text, original.Format, "restore", "restored from version 1", DateTimeOffset.UtcNow), "test", Cancel);

        Assert.True(propagation < TimeSpan.FromSeconds(1), $"Propagation took {propagation.TotalMilliseconds:F0} ms.");
        Assert.Equal(saved!.Version + 1, restored!.Version);
        Assert.Equal([3, 2, 1], (await admin.Policies.ListAsync("codex", Cancel)).Select(v => v.Version));
        Assert.True(await WaitUntilAsync(() => cluster.Policies(1).VersionOf("codex") == restored.Version, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AnInvalidPolicy_IsNeverSaved()
    {
        var store = await FreshStoreAsync();
        await using var admin = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);

        var (saved, _, errors) = await new PolicyPublisher(admin.Policies, admin.Changes, audit: null).SaveAsync(
            new NewPolicyVersion("codex", """{"version": "1", "default": "maybe"}""", "json", "cli", "test", DateTimeOffset.UtcNow), "test", Cancel);

        Assert.Null(saved);
        Assert.NotEmpty(errors);
        Assert.Empty(await admin.Policies.ListAsync("codex", Cancel));
    }

    [Fact]
    public async Task Limits_2000ConcurrentCallsThroughTwoInstances_AdmitExactly100() =>
        await TwoInstancesAdmitExactly100Async(await FreshStoreAsync());

    /// <summary>The embedded store's counters: owned in memory by the first instance until the second arrives, then kept in the file by both.</summary>
    [Fact]
    public Task Limits_2000ConcurrentCallsThroughTwoInstancesOnOneSqliteFile_AdmitExactly100() =>
        GatewayCluster.OnTemporarySqliteFileAsync("sqlite-limits", TwoInstancesAdmitExactly100Async);

    private static async Task TwoInstancesAdmitExactly100Async(StoreConfig store)
    {
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 2);
        using var http = new HttpClient();
        var sessions = new List<(Uri Url, string Session)>();
        for (var i = 0; i < 8; i++)
        {
            var url = cluster.McpUrl(i % 2);
            sessions.Add((url, await OpenSessionAsync(http, url)));
        }

        using var gate = new SemaphoreSlim(64);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 2000).Select(async i =>
        {
            await gate.WaitAsync(Cancel);
            try
            {
                var (url, session) = sessions[i % sessions.Count];
                var body = $$"""{"jsonrpc":"2.0","id":{{i}},"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"x"}""" + "}}";
                using var response = await PostAsync(http, url, body, session);
                var text = await response.Content.ReadAsStringAsync(Cancel);
                return text.Contains("[POLICY DENIED]", StringComparison.Ordinal) ? "denied" : text.Contains("[demo:", StringComparison.Ordinal) ? "served" : text;
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.Equal(100, outcomes.Count(o => o == "served"));
        Assert.Equal(1900, outcomes.Count(o => o == "denied"));
        Assert.Equal(100, cluster.Upstream.ToolCallsServed);
    }

    [Fact]
    public async Task ARunTimeGrant_InPostgres_WorksOnEveryInstance_AndItsRevocationToo()
    {
        var store = await FreshStoreAsync();
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 2);
        await using var admin = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);
        var token = GrantRegistry.NewToken();
        await admin.Grants.CreateAsync(new StoredGrant
        {
            Name = "runtime",
            TokenHash = [.. GrantRegistry.Hash(token)],
            Servers = ["codex"],
            CreatedAt = DateTimeOffset.UtcNow,
        }, Cancel);
        using var http = new HttpClient();

        await OpenSessionAsync(http, cluster.McpUrl(0), token);
        await OpenSessionAsync(http, cluster.McpUrl(1), token);
        await admin.Grants.RevokeAsync("runtime", DateTimeOffset.UtcNow, Cancel);
        var clock = Stopwatch.StartNew();

        // Each instance serves the grant from memory until it sees the store's change stamp move.
        System.Net.HttpStatusCode status;
        do
        {
            using var answer = await PostAsync(http, cluster.McpUrl(1), Initialize, session: null, token);
            status = answer.StatusCode;
        }
        while (status != System.Net.HttpStatusCode.Unauthorized && clock.Elapsed < TimeSpan.FromSeconds(1));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
    }

    internal const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
        """;

    internal static async Task<string> OpenSessionAsync(HttpClient http, Uri url, string token = GatewayCluster.Token)
    {
        using var response = await PostAsync(http, url, Initialize, session: null, token);
        response.EnsureSuccessStatusCode();
        var session = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await PostAsync(http, url, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session, token);
        initialized.EnsureSuccessStatusCode();
        return session;
    }

    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, Uri url, string body, string? session, string token = GatewayCluster.Token) =>
        McpHttp.PostAsync(http, url.ToString(), body, token, session, Cancel);

    internal static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20, Cancel);
        }

        return true;
    }
}
