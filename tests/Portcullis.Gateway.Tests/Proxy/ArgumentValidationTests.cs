using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// A gateway in front of an upstream whose tool schemas change (one tool per tools/list page) and
/// of the demo server, with <c>validate_args</c> on: the tests share it and run one at a time, since
/// the tool definitions the gateway keeps are the thing under test (each test that counts reads
/// starts by making the gateway forget them).
/// </summary>
public sealed class ArgumentValidationFixture : IAsyncLifetime
{
    private const string ChangingPolicy = """
        {"version": "1", "default": "deny",
         "tools": {"add": {"validate_args": true}, "change_schema": {}}}
        """;

    private const string UnlistedPolicy = """{"version": "1", "default": "deny", "tools": {"missing": {"validate_args": true}}}""";

    private WebApplication _app = null!;

    internal ChangingToolsUpstream Changing { get; private set; } = null!;

    internal DemoUpstream Demo { get; private set; } = null!;

    internal Portcullis.Storage.StoreSet State => _app.Services.GetRequiredService<Portcullis.Storage.StoreSet>();

    internal Portcullis.Gateway.Upstreams.ToolCatalog Catalog => _app.Services.GetRequiredService<Portcullis.Gateway.Upstreams.ToolCatalog>();

    internal Portcullis.Gateway.Audit.AuditLog Audit => _app.Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>();

    public string Token { get; } = GrantRegistry.NewToken();

    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Changing = await ChangingToolsUpstream.StartAsync();
        Demo = await DemoUpstream.StartAsync();
        _app = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                // These tests change add's schema on purpose to see validation follow it; pinning would quarantine the changed
                // tool (PinningTests covers that) and read the list again at each announcement, so it is off here.
                new UpstreamServerConfig { Id = "changing", Url = Changing.Url, PolicyText = ChangingPolicy, Pinning = PinningMode.Off },
                // The same upstream under a second id: its tool definitions are kept apart.
                new UpstreamServerConfig { Id = "unlisted", Url = Changing.Url, PolicyText = UnlistedPolicy, Pinning = PinningMode.Off },
                new UpstreamServerConfig { Id = "demo", Url = Demo.Url, PolicyText = DemoConfig.DemoPolicy },
            ],
            Grants = [new GrantConfig { Name = "validator", Servers = ["changing", "unlisted", "demo"], Token = Token }],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _app.StartAsync();
        BaseUrl = _app.ListeningAddress();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Changing.DisposeAsync();
        await Demo.DisposeAsync();
    }

    public Task<McpClient> ConnectAsync(string server) => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri($"{BaseUrl}/mcp/{server}"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
    }), cancellationToken: TestContext.Current.CancellationToken);
}

public sealed class ArgumentValidationTests(ArgumentValidationFixture gateway) : IClassFixture<ArgumentValidationFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Schemas_are_read_once_across_pages_and_again_after_list_changed()
    {
        gateway.Catalog.Forget("changing");
        await using var client = await gateway.ConnectAsync("changing");
        var listsBefore = gateway.Changing.ToolsListRequests;
        var addsAtStart = gateway.Changing.AddCalls;

        // The client never listed tools: the gateway reads both pages itself, once.
        var first = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 1 }, cancellationToken: Cancel);
        var second = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2 }, cancellationToken: Cancel);
        Assert.NotEqual(true, first.IsError);
        Assert.NotEqual(true, second.IsError);
        Assert.Equal(listsBefore + 2, gateway.Changing.ToolsListRequests);

        var refused = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = "one" }, cancellationToken: Cancel);
        Assert.Equal("[POLICY DENIED] Invalid arguments for add: $.a: value is \"string\" but should be \"number\".", Text(refused));
        Assert.Equal(addsAtStart + 2, gateway.Changing.AddCalls);

        // The server now wants a string, and says so on the answer's event stream.
        var addsBefore = gateway.Changing.AddCalls;
        await client.CallToolAsync("change_schema", cancellationToken: Cancel);
        var afterChange = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 3 }, cancellationToken: Cancel);
        Assert.Equal("[POLICY DENIED] Invalid arguments for add: $.a: value is \"integer\" but should be \"string\".", Text(afterChange));
        var accepted = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = "three" }, cancellationToken: Cancel);
        Assert.NotEqual(true, accepted.IsError);
        Assert.Equal(addsBefore + 1, gateway.Changing.AddCalls);
        Assert.Equal(listsBefore + 4, gateway.Changing.ToolsListRequests);

        await gateway.Audit.FlushAsync(Cancel);
        var denials = (await gateway.State.Audit.QueryAsync(new AuditQuery { Server = "changing", Kind = AuditKinds.Call, Decision = "deny" }, Cancel)).ToList();
        Assert.Contains(denials, r => r.RuleId == "/tools/add/validate_args" && r.Reason!.Contains("$.a: value is \"integer\" but should be \"string\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_change_announced_while_the_gateway_reads_the_list_makes_the_next_call_read_it_again()
    {
        gateway.Catalog.Forget("changing");
        await using var client = await gateway.ConnectAsync("changing");
        var listsBefore = gateway.Changing.ToolsListRequests;
        gateway.Changing.AnnounceChangeOnNextList();

        // That answer lists no tools, after announcing a change: it judges this call only.
        // Whether the other test has changed add's schema yet or not, this value suits it.
        var a = gateway.Changing.ValidAddArgument;
        var during = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = a }, cancellationToken: Cancel);
        var after = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = a }, cancellationToken: Cancel);

        Assert.Equal("[POLICY DENIED] Invalid arguments for add: the server lists no tool named 'add', so its arguments cannot be validated.", Text(during));
        Assert.NotEqual(true, after.IsError);
        Assert.Equal(listsBefore + 3, gateway.Changing.ToolsListRequests);
    }

    [Fact]
    public async Task A_tool_the_server_does_not_list_is_denied_under_validate_args()
    {
        await using var client = await gateway.ConnectAsync("unlisted");

        var result = await client.CallToolAsync("missing", new Dictionary<string, object?> { ["a"] = 1 }, cancellationToken: Cancel);

        Assert.Equal("[POLICY DENIED] Invalid arguments for missing: the server lists no tool named 'missing', so its arguments cannot be validated.", Text(result));
    }

    [Fact]
    public async Task The_demo_validates_code_generate_against_the_schema_its_server_advertises()
    {
        await using var client = await gateway.ConnectAsync("demo");
        var served = gateway.Demo.ToolCallsServed;

        var wrong = await client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["description"] = 42, ["iteration"] = "two" }, cancellationToken: Cancel);
        var missing = await client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["language"] = "go" }, cancellationToken: Cancel);
        var right = await client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["description"] = "add two numbers", ["iteration"] = 2 }, cancellationToken: Cancel);

        Assert.Equal(
            "[POLICY DENIED] Invalid arguments for code_generate: $.description: value is \"integer\" but should be \"string\"; $.iteration: value is \"string\" but should be \"integer\".",
            Text(wrong));
        Assert.Equal("[POLICY DENIED] Invalid arguments for code_generate: $: required properties [\"description\"] are not present.", Text(missing));
        Assert.NotEqual(true, right.IsError);
        Assert.Equal(served + 1, gateway.Demo.ToolCallsServed);
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
