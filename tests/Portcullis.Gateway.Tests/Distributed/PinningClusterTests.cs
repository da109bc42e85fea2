using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Tests.Pinning;
using Portcullis.TestServers;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>
/// Two gateway instances sharing one store (SQLite, or Redis and PostgreSQL) in front of an
/// upstream that changes a tool: both quarantine it, and the change is recorded once. And a
/// PostgreSQL outage (a server of the test's own) while a change is announced quarantines the tool.
/// </summary>
public sealed class PinningClusterTests(RedisServer redis, PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, object?> s_query = new() { ["query"] = "pinning" };

    [Fact]
    public Task TwoInstancesOnOneSqliteFile_QuarantineTheChangedTool_AndRecordTheChangeOnce() =>
        GatewayCluster.OnTemporarySqliteFileAsync("pin-cluster", TwoInstancesRecordOneChangeAsync);

    [Fact]
    public async Task TwoInstancesOnOnePostgresDatabase_QuarantineTheChangedTool_AndRecordTheChangeOnce()
    {
        redis.Require();
        postgres.Require();
        await TwoInstancesRecordOneChangeAsync(new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await postgres.CreateDatabaseAsync() });
    }

    [Fact]
    public async Task PostgresDown_WhenAChangeIsAnnounced_QuarantinesTheTool_AndTheChangeIsRecordedOnceItIsBack()
    {
        redis.Require();
        await using var ownPostgres = new PostgresServer();
        await ownPostgres.InitializeAsync();
        ownPostgres.Require();
        var spill = Directory.CreateTempSubdirectory("portcullis-pin-spill-").FullName;
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu,
            new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await ownPostgres.CreateDatabaseAsync() }, spill);
        await using var client = await gateway.ConnectAsync();
        Assert.Equal("found 3 documents", Text(await client.CallToolAsync("search", s_query, cancellationToken: Cancel)));

        await ownPostgres.StopAsync();
        await client.CallToolAsync("rug_pull", cancellationToken: Cancel);
        var listed = await NamesAsync(client);
        var denied = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);

        Assert.DoesNotContain("search", listed);
        Assert.DoesNotContain("rug_pull", listed); // Its pin cannot be read either.
        Assert.Equal("[POLICY DENIED] The definition of search cannot be checked: the pin store is unavailable, so the call is refused. Try again shortly.",
            Text(denied));
        Assert.Equal(1, upstream.SearchCalls);

        await ownPostgres.StartAsync();
        Assert.True(await PinningTests.WaitUntilAsync(async () => !(await NamesAsync(client)).Contains("search") && (await NamesAsync(client)).Contains("rug_pull")),
            "The tool list did not recover after PostgreSQL came back.");
        Assert.True(await PinningTests.WaitUntilAsync(async () => (await gateway.AdminRecordsAsync("tool.changed")).Count == 1),
            "The change was not recorded after PostgreSQL came back.");
        Assert.Equal(PinningTests.ChangedDenial, Text(await client.CallToolAsync("search", s_query, cancellationToken: Cancel)));
        Directory.Delete(spill, recursive: true);
    }

    private static async Task TwoInstancesRecordOneChangeAsync(StoreConfig store)
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var first = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu, store);
        await using var second = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu, store);
        await using var firstClient = await first.ConnectAsync();
        await using var secondClient = await second.ConnectAsync();
        Assert.Contains("search", await NamesAsync(firstClient));
        Assert.Contains("search", await NamesAsync(secondClient));

        // Both instances meet the changed definition at the same moment.
        upstream.ChangeSilently();
        var lists = await Task.WhenAll(NamesAsync(firstClient), NamesAsync(secondClient));
        var denials = await Task.WhenAll(firstClient.CallToolAsync("search", s_query, cancellationToken: Cancel).AsTask(),
            secondClient.CallToolAsync("search", s_query, cancellationToken: Cancel).AsTask());

        Assert.All(lists, names => Assert.DoesNotContain("search", names));
        Assert.All(denials, denial => Assert.Equal(PinningTests.ChangedDenial, Text(denial)));
        Assert.Equal(0, upstream.SearchCalls);
        await first.Audit.FlushAsync(Cancel);
        await second.Audit.FlushAsync(Cancel);
        var changes = (await first.AdminRecordsAsync("tool.changed")).ToList();
        Assert.Single(changes);

        // Approved through one instance, the tool is back on both.
        var (status, _) = await second.AdminAsync(HttpMethod.Post, "servers/rug/tools/search/approve");
        Assert.Equal(200, status);
        Assert.Equal("found 3 documents", Text(await firstClient.CallToolAsync("search", s_query, cancellationToken: Cancel)));
        Assert.Contains("search", await NamesAsync(secondClient));
    }

    private static async Task<List<string>> NamesAsync(McpClient client) =>
        [.. (await client.ListToolsAsync(cancellationToken: Cancel)).Select(t => t.Name)];

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
