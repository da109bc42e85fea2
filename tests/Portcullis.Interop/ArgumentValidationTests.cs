using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Interop;

/// <summary>
/// <c>validate_args</c> against server-everything's real <c>get-sum</c> schema (zod's draft-07
/// output), read by the gateway itself over the client's session, over HTTP and over stdio.
/// </summary>
[Collection("server-everything")]
public sealed class ArgumentValidationTests(ServerEverythingFixture everything)
{
    [Theory]
    [InlineData("everything-validated")]
    [InlineData("everything-stdio-validated")]
    public async Task Get_sum_calls_are_checked_against_the_servers_schema_and_the_operators(string server)
    {
        NodeTools.RequireInstalled();
        Assert.True(everything.Available, "server-everything did not start.");
        var cancel = TestContext.Current.CancellationToken;
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{everything.GatewayBaseUrl}/mcp/{server}"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + everything.NewGrant() },
        }), cancellationToken: cancel);

        async Task<CallToolResult> SumAsync(Dictionary<string, object?> arguments) => await client.CallToolAsync("get-sum", arguments, cancellationToken: cancel);

        var allowed = await SumAsync(new() { ["a"] = 1, ["b"] = 2 });
        var wrongType = await SumAsync(new() { ["a"] = "1", ["b"] = 2 });
        var missing = await SumAsync(new() { ["a"] = 1 });
        var extra = await SumAsync(new() { ["a"] = 1, ["b"] = 2, ["c"] = 3 });
        var overLimit = await SumAsync(new() { ["a"] = 101, ["b"] = 2 });

        Assert.Equal("The sum of 1 and 2 is 3.", Text(allowed));
        Assert.Equal("[POLICY DENIED] Invalid arguments for get-sum: $.a: value is \"string\" but should be \"number\".", Text(wrongType));
        Assert.Equal("[POLICY DENIED] Invalid arguments for get-sum: $: required properties [\"b\"] are not present.", Text(missing));
        Assert.Equal("[POLICY DENIED] Invalid arguments for get-sum: $.c: is not allowed (additionalProperties is false).", Text(extra));
        Assert.Equal("[POLICY DENIED] Invalid arguments for get-sum: $.a: 101 should be at most 100.", Text(overLimit));
        Assert.Equal("/tools/get-sum/validate_args",
            wrongType.Meta!["portcullis/decision"]!["ruleId"]!.GetValue<string>());
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
