using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Cli.Demo;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>The official C# SDK client, through the gateway, to the demo upstream.</summary>
public sealed class SdkClientTests(GatewayFixture gateway)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_ShowsOnlyToolsThePolicyNames()
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant());

        var tools = await client.ListToolsAsync(cancellationToken: Cancel);

        Assert.Equal(["code_generate", "describe_codebase", "review_code"], tools.Select(t => t.Name).Order());
        Assert.Equal("codex-mcp", client.ServerInfo?.Name);
    }

    [Fact]
    public async Task Initialize_TheDemoDescribesItselfAsCodexMcp_AndCodeGenerateHasAnEmptyDescription()
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant());

        var tools = await client.ListToolsAsync(cancellationToken: Cancel);

        Assert.Equal(DemoUpstream.ServerDescription, client.ServerInfo?.Description);
        Assert.StartsWith("Wraps the OpenAI Codex CLI", client.ServerInstructions, StringComparison.Ordinal);
        Assert.Equal("", tools.Single(t => t.Name == "code_generate").Description);
        Assert.All(tools.Where(t => t.Name != "code_generate"), t => Assert.False(string.IsNullOrEmpty(t.Description)));
    }

    [Fact]
    public async Task CallTool_Allowed_ReturnsTheUpstreamsExactResult()
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant());

        var result = await client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["description"] = "add two numbers", ["language"] = "Go" }, cancellationToken: Cancel);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("[demo:o4-mini] Go code for \"add two numbers\" (iteration 1):\n// TODO: add two numbers", Text(result));
    }

    [Fact]
    public async Task CallTool_OverTheLimit_IsDeniedWithTheResetTime_AndOtherGrantsAreUnaffected()
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant());
        await using var other = await gateway.ConnectAsync(gateway.NewGrant());
        // Other classes share the demo server, so count only this test's calls, by their own description.
        var description = "limit " + Guid.NewGuid();
        var args = new Dictionary<string, object?> { ["description"] = description };

        for (var i = 0; i < 3; i++)
        {
            Assert.NotEqual(true, (await client.CallToolAsync("code_generate", args, cancellationToken: Cancel)).IsError);
        }

        var denied = await client.CallToolAsync("code_generate", args, cancellationToken: Cancel);

        Assert.True(denied.IsError);
        Assert.Matches(@"^\[POLICY DENIED\] Rate limit 'code_generate_rate' reached: at most 3 calls per minute per grant\. The window resets at \d{4}-\d\d-\d\dT\d\d:\d\d:00Z \(in \d+ s\)\.$", Text(denied));
        var meta = denied.Meta!["portcullis/decision"]!;
        Assert.Equal("/tools/code_generate/limits/0", meta["ruleId"]!.GetValue<string>());
        Assert.InRange(meta["retryAfterSeconds"]!.GetValue<long>(), 0, 60);
        Assert.Equal(3, gateway.Demo.ToolCallsServedFor(description));
        Assert.NotEqual(true, (await other.CallToolAsync("code_generate", args, cancellationToken: Cancel)).IsError);
    }

    [Theory]
    [InlineData("describe_codebase", """{"subject": "SUBJECT"}""", "/tools/describe_codebase/action", "Reads arbitrary local paths.")]
    [InlineData("code_generate", """{"description": "SUBJECT", "language": "bash"}""", "/tools/code_generate/deny_if/0", "Shell generation is not allowed.")]
    [InlineData("write_file", """{"path": "SUBJECT"}""", "(default deny)", "Tool 'write_file' is not allowed by this policy (default deny).")]
    public async Task CallTool_DeniedByPolicy_NeverReachesTheUpstream(string tool, string arguments, string ruleId, string reason)
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant());
        // Other classes share the demo server, so look for this test's own subject there.
        var subject = "denied " + Guid.NewGuid();
        var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments.Replace("SUBJECT", subject, StringComparison.Ordinal))!;

        var result = await client.CallToolAsync(tool, args, cancellationToken: Cancel);

        Assert.True(result.IsError);
        Assert.Equal("[POLICY DENIED] " + reason, Text(result));
        Assert.Equal(ruleId, result.Meta!["portcullis/decision"]!["ruleId"]!.GetValue<string>());
        Assert.Equal(0, gateway.Demo.ToolCallsServedFor(subject));
    }

    [Fact]
    public async Task PolicyFileSaved_DuringASession_AppliesToTheNextCall()
    {
        await using var client = await gateway.ConnectAsync(gateway.NewGrant("extra"), "extra");
        var args = new Dictionary<string, object?> { ["code"] = "print(1)" };
        Assert.NotEqual(true, (await client.CallToolAsync("review_code", args, cancellationToken: Cancel)).IsError);
        var version = gateway.Policies.VersionOf("extra");

        await File.WriteAllTextAsync(gateway.ExtraPolicyPath,
            GatewayFixture.CodexPolicy.Replace("\"review_code\": {}", "\"review_code\": {\"action\": \"deny\", \"reason\": \"Reviews are paused.\"}", StringComparison.Ordinal), Cancel);
        await WaitUntilAsync(() => gateway.Policies.VersionOf("extra") > version);

        var denied = await client.CallToolAsync("review_code", args, cancellationToken: Cancel);
        Assert.Equal("[POLICY DENIED] Reviews are paused.", Text(denied));

        // An invalid save is rejected and the last good version keeps serving.
        var good = gateway.Policies.VersionOf("extra");
        await File.WriteAllTextAsync(gateway.ExtraPolicyPath, """{"version": "1", "default": "allow", "tools": {"review_code": {"action": "maybe"}}}""", Cancel);
        var invalidSeen = await gateway.Policies.ReloadAsync("extra", gateway.ExtraPolicyPath, Cancel);
        Assert.False(invalidSeen);
        Assert.Equal(good, gateway.Policies.VersionOf("extra"));
        Assert.Equal("[POLICY DENIED] Reviews are paused.", Text(await client.CallToolAsync("review_code", args, cancellationToken: Cancel)));
        await File.WriteAllTextAsync(gateway.ExtraPolicyPath, GatewayFixture.CodexPolicy, Cancel);
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The file watcher reports asynchronously; poll briefly rather than sleep a fixed time.
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25, Cancel);
        }

        Assert.True(condition(), "The policy file change was not picked up within 5 s.");
    }
}
