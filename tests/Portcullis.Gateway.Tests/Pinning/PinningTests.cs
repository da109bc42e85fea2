using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Pinning;

/// <summary>
/// Pinned tool definitions over the HTTP front, against an upstream that changes a tool after it
/// was approved: quarantine, the exact denial, one <c>tool.changed</c> record, approval through the
/// admin API, and the <c>strict</c> and <c>off</c> modes.
/// </summary>
public sealed class PinningTests
{
    /// <summary>The documented canonical form of the honest <c>search</c> (sorted keys, no whitespace).</summary>
    internal const string HonestCanonical =
        """{"annotations":{"readOnlyHint":true},"description":"Searches the team's documents.","inputSchema":{"properties":{"query":{"type":"string"}},"required":["query"],"type":"object"},"name":"search","title":"Search"}""";

    internal const string ChangedDenial = "[POLICY DENIED] The definition of search changed since it was approved; an operator must review it.";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, object?> s_query = new() { ["query"] = "pinning" };

    [Fact]
    public async Task Tofu_AChangedDescription_QuarantinesTheTool_IsRecordedOnce_AndAnAdminApprovalReleasesIt()
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu);
        await using var client = await gateway.ConnectAsync();

        // The client never listed tools: the gateway reads the list itself before the call, and pins what it sees.
        var first = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);
        Assert.Equal("found 3 documents", Text(first));
        Assert.Contains("search", await NamesAsync(client));

        // The server changes search and announces it: the gateway reads the list again at once.
        await client.CallToolAsync("rug_pull", cancellationToken: Cancel);
        Assert.True(await WaitUntilAsync(async () => (await gateway.AdminRecordsAsync("tool.changed")).Count == 1), "No tool.changed record was written.");
        var calls = upstream.SearchCalls;

        var listed = await NamesAsync(client);
        var denied = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);
        await NamesAsync(client);

        Assert.DoesNotContain("search", listed);
        Assert.Contains("rug_pull", listed);
        Assert.True(denied.IsError);
        Assert.Equal(ChangedDenial, Text(denied));
        Assert.Equal(calls, upstream.SearchCalls);
        var change = Assert.Single(await gateway.AdminRecordsAsync("tool.changed"));
        Assert.Equal(("gateway", PinnedGateway.ServerId, "search"), (change.Actor, change.Server, change.Tool));
        Assert.Equal(Described(Sha256(HonestCanonical), HonestDefinition), change.Before);
        Assert.Equal(Described(Sha256(Canonical(upstream.SearchDefinition)), upstream.SearchDefinition), change.After);
        Assert.Equal("description changed; inputSchema.properties.context added", change.Reason);
        var refusal = Assert.Single(await gateway.CallRecordsAsync("search"), r => r.Decision == AuditDecisions.Deny);
        Assert.Equal((ToolPins.RuleId, "The definition of search changed since it was approved; an operator must review it."), (refusal.RuleId, refusal.Reason));

        var (toolsStatus, tools) = await gateway.AdminAsync(HttpMethod.Get, "servers/rug/tools");
        Assert.Equal(200, toolsStatus);
        var search = Tool(tools, "search");
        Assert.Equal("changed", search.GetProperty("state").GetString());
        Assert.Equal(Sha256(HonestCanonical), search.GetProperty("approved_sha256").GetString());
        Assert.Equal("first-seen", search.GetProperty("approved_by").GetString());
        var risk = Classify(upstream.SearchDefinition);
        Assert.Equal(DefinitionRisk.Name(risk.Category), search.GetProperty("risk").GetProperty("category").GetString());
        Assert.Equal(DefinitionRisk.Name(risk.Severity), search.GetProperty("risk").GetProperty("severity").GetString());

        var (approveStatus, approved) = await gateway.AdminAsync(HttpMethod.Post, "servers/rug/tools/search/approve");
        var (againStatus, _) = await gateway.AdminAsync(HttpMethod.Post, "servers/rug/tools/search/approve");
        var (unknownStatus, _) = await gateway.AdminAsync(HttpMethod.Post, "servers/rug/tools/nothing/approve");
        var (noServerStatus, _) = await gateway.AdminAsync(HttpMethod.Get, "servers/nowhere/tools");

        Assert.Equal(200, approveStatus);
        Assert.Equal("pinned", JsonDocument.Parse(approved).RootElement.GetProperty("state").GetString());
        Assert.Equal((409, 404, 404), (againStatus, unknownStatus, noServerStatus));
        Assert.Contains("search", await NamesAsync(client));
        Assert.Equal("found 3 documents", Text(await client.CallToolAsync("search", s_query, cancellationToken: Cancel)));
        Assert.Equal(calls + 1, upstream.SearchCalls);
        var approval = Assert.Single(await gateway.AdminRecordsAsync("tool.approved"));
        Assert.Equal(("ops", "search", change.After), (approval.Actor, approval.Tool, approval.After));
        Assert.Single(await gateway.AdminRecordsAsync("tool.changed"));
    }

    [Fact]
    public async Task Tofu_AChangeTheServerDoesNotAnnounce_IsCaughtByTheNextToolList()
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu);
        await using var client = await gateway.ConnectAsync();
        Assert.Equal("found 3 documents", Text(await client.CallToolAsync("search", s_query, cancellationToken: Cancel)));

        upstream.ChangeSilently();
        var listed = await NamesAsync(client);
        var denied = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);

        Assert.DoesNotContain("search", listed);
        Assert.Equal(ChangedDenial, Text(denied));
        Assert.Single(await gateway.AdminRecordsAsync("tool.changed"));
    }

    [Fact]
    public async Task Strict_QuarantinesEveryFirstSeenTool_UntilAnAdminApprovesIt()
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Strict);
        await using var client = await gateway.ConnectAsync();

        var before = await NamesAsync(client);
        var denied = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);
        var unlisted = await client.CallToolAsync("no_such_tool", cancellationToken: Cancel);
        var (_, tools) = await gateway.AdminAsync(HttpMethod.Get, "servers/rug/tools");

        Assert.Empty(before);
        Assert.Equal("[POLICY DENIED] The definition of search has not been approved yet (pinning: strict); an operator must review it.", Text(denied));
        Assert.Equal("[POLICY DENIED] The server does not list no_such_tool, so no definition of it has been approved (pinning: strict).", Text(unlisted));
        Assert.Equal(0, upstream.SearchCalls);
        Assert.Equal("unapproved", Tool(tools, "search").GetProperty("state").GetString());
        Assert.Equal("unapproved", Tool(tools, "rug_pull").GetProperty("state").GetString());
        Assert.Equal("strict", JsonDocument.Parse(tools).RootElement.GetProperty("pinning").GetString());

        var (status, _) = await gateway.AdminAsync(HttpMethod.Post, "servers/rug/tools/search/approve");

        Assert.Equal(200, status);
        Assert.Equal(["search"], await NamesAsync(client));
        Assert.Equal("found 3 documents", Text(await client.CallToolAsync("search", s_query, cancellationToken: Cancel)));
        Assert.Empty(await gateway.AdminRecordsAsync("tool.changed"));
        var approval = Assert.Single(await gateway.AdminRecordsAsync("tool.approved"));
        Assert.Null(approval.Before);
    }

    [Fact]
    public async Task Off_NeitherRecordsNorChecksDefinitions()
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Off);
        await using var client = await gateway.ConnectAsync();
        await NamesAsync(client);

        await client.CallToolAsync("rug_pull", cancellationToken: Cancel);
        var tools = await client.ListToolsAsync(cancellationToken: Cancel);
        var call = await client.CallToolAsync("search", s_query, cancellationToken: Cancel);

        Assert.Equal(RugPullUpstream.PoisonedDescription, Assert.Single(tools, t => t.Name == "search").Description);
        Assert.Equal("found 3 documents", Text(call));
        Assert.Empty(await gateway.State.Pins.ListAsync(PinnedGateway.ServerId, Cancel));
        Assert.Empty(await gateway.AdminRecordsAsync("tool.changed"));
    }

    [Fact]
    public async Task Tofu_AToolAddedLater_IsPinnedWhenFirstSeen_AndServedAsUsual()
    {
        await using var upstream = await RugPullUpstream.StartAsync();
        await using var gateway = await PinnedGateway.StartAsync(upstream.Url, PinningMode.Tofu);
        await using var client = await gateway.ConnectAsync();
        await NamesAsync(client);

        upstream.AddTool();
        var listed = await NamesAsync(client);

        Assert.Contains("export", listed);
        var pins = await gateway.State.Pins.ListAsync(PinnedGateway.ServerId, Cancel);
        Assert.Equal(["export", "rug_pull", "search"], pins.Select(p => p.Tool));
        Assert.All(pins, p => Assert.Equal(Portcullis.Storage.Pins.ToolPinState.Pinned, p.State));
    }

    /// <summary>The honest <c>search</c> as the upstream lists it.</summary>
    internal const string HonestDefinition =
        """{"name":"search","title":"Search","description":"Searches the team's documents.","inputSchema":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]},"annotations":{"readOnlyHint":true}}""";

    /// <summary>A definition as a tool.changed record describes it: the classifier's verdict on the definition as served, and its hash.</summary>
    internal static string Described(string hash, string definition)
    {
        var risk = Classify(definition);
        return $$"""{"category":"{{DefinitionRisk.Name(risk.Category)}}","severity":"{{DefinitionRisk.Name(risk.Severity)}}","sha256":"{{hash}}"}""";
    }

    private static Portcullis.Policy.Risk.RiskAssessment Classify(string definition)
    {
        using var document = JsonDocument.Parse(definition);
        return Portcullis.Policy.Risk.RiskClassifier.Classify(Portcullis.Policy.Risk.ServerContext.Unknown, document.RootElement);
    }

    internal static string Canonical(string definition)
    {
        using var document = JsonDocument.Parse(definition);
        return PinnedDefinition.From(document.RootElement)!.Canonical;
    }

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(25, Cancel);
        }

        return false;
    }

    private static async Task<List<string>> NamesAsync(McpClient client) =>
        [.. (await client.ListToolsAsync(cancellationToken: Cancel)).Select(t => t.Name)];

    private static JsonElement Tool(string body, string name) =>
        JsonDocument.Parse(body).RootElement.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
