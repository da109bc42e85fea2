using System.Text.Json;

namespace Portcullis.Interop;

/// <summary>
/// The official TypeScript SDK client → Portcullis → server-everything, all real processes on
/// loopback. One scenario per session, as a client would run it.
/// </summary>
[Collection("server-everything")]
public sealed class TypeScriptClientTests(ServerEverythingFixture everything)
{
    [Fact]
    public Task Session_ThroughTheGateway_ToAStreamableHttpUpstream_BehavesLikeTheUpstreamUnderThePolicy() =>
        RunScenarioAsync(everything.GatewayUrl);

    [Fact]
    public Task Session_ThroughTheGateway_ToAStdioUpstream_BehavesLikeTheUpstreamUnderThePolicy() =>
        RunScenarioAsync(everything.StdioGatewayUrl);

    private async Task RunScenarioAsync(string gatewayUrl)
    {
        NodeTools.RequireInstalled();
        Assert.True(everything.Available, "server-everything did not start.");

        var output = await NodeTools.RunAsync(TimeSpan.FromSeconds(90), NodeTools.ClientScenario, gatewayUrl, everything.NewGrant(), everything.DirectUrl);

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.False(root.TryGetProperty("error", out var error), error.ToString());

        // tools/list is filtered: only the tools the policy names, and not the hidden one.
        Assert.Equal(["echo", "get-sum", "trigger-long-running-operation", "trigger-sampling-request"],
            root.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.True(root.GetProperty("directToolCount").GetInt32() > 4);

        // An allowed call returns exactly what the upstream returns directly.
        Assert.Equal(root.GetProperty("echoDirect").GetRawText(), root.GetProperty("echo").GetRawText());

        // get-sum is limited to 2 a minute: the third call is denied with the reset time.
        var sums = root.GetProperty("sums").EnumerateArray().ToList();
        Assert.False(sums[0].GetProperty("isError").GetBoolean());
        Assert.Contains("10", sums[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(sums[1].GetProperty("isError").GetBoolean());
        Assert.True(sums[2].GetProperty("isError").GetBoolean());
        Assert.Matches(@"^\[POLICY DENIED\] Rate limit 'sum' reached: at most 2 calls per minute per grant\. The window resets at .+Z \(in \d+ s\)\.$",
            sums[2].GetProperty("text").GetString());
        Assert.Equal("/tools/get-sum/limits/0", sums[2].GetProperty("meta").GetProperty("portcullis/decision").GetProperty("ruleId").GetString());

        // A tool the policy does not name is denied by default.
        var denied = root.GetProperty("defaultDenied");
        Assert.True(denied.GetProperty("isError").GetBoolean());
        Assert.Equal("[POLICY DENIED] Tool 'get-tiny-image' is not allowed by this policy (default deny).", denied.GetProperty("text").GetString());

        // Progress notifications of a long call arrive while it runs, before its result.
        var longRun = root.GetProperty("longRun");
        var progress = longRun.GetProperty("progress").EnumerateArray().ToList();
        Assert.Equal(3, progress.Count);
        Assert.True(progress[0].GetProperty("at").GetInt64() < longRun.GetProperty("finishedAt").GetInt64() - 300,
            "The first progress notification arrived only with the result: the stream was buffered.");
        Assert.StartsWith("Long running operation completed.", longRun.GetProperty("text").GetString(), StringComparison.Ordinal);

        // Resources and prompts pass through unchanged.
        Assert.True(root.GetProperty("resourceCount").GetInt32() > 0);
        Assert.True(root.GetProperty("resourceSame").GetBoolean());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("prompt").GetString()));

        // A sampling request from the server reaches the client, and its answer gets back.
        var sampling = root.GetProperty("sampling");
        Assert.False(sampling.GetProperty("isError").GetBoolean(), sampling.GetProperty("text").GetString());
        Assert.Contains("sampled: ", sampling.GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
