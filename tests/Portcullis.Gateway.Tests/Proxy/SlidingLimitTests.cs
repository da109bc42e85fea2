using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>A sliding limit through the HTTP front: the call over it is denied with when the next one fits, and never reaches the upstream.</summary>
public sealed class SlidingLimitTests
{
    private const string Token = "sliding-token-0123456789abcdef";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACallOverASlidingLimit_IsDenied_WithWhenTheNextCallFits()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new UpstreamServerConfig
                {
                    Id = "slid",
                    Url = recorder.Url,
                    PolicyText = """{"version": "1", "tools": {"echo": {"limits": [{"counter": "echo", "window": "hour", "max": 2, "algorithm": "sliding"}]}}}""",
                },
            ],
            Grants = [new GrantConfig { Name = "agent", Servers = ["slid"], Token = Token }],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/slid";
        var session = await McpHttp.OpenSessionAsync(http, url, Token, Cancel);

        var answers = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await McpHttp.PostAsync(http, url, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{}}}""",
                Token, session, Cancel);
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
            answers.Add(answer.RootElement.GetProperty("result").Clone());
        }

        Assert.False(answers[1].TryGetProperty("isError", out _));
        Assert.True(answers[2].GetProperty("isError").GetBoolean());
        var text = answers[2].GetProperty("content")[0].GetProperty("text").GetString();
        Assert.StartsWith("[POLICY DENIED] Rate limit 'echo' reached: at most 2 calls in any hour per grant. The next call fits at ", text, StringComparison.Ordinal);
        var retryAfter = answers[2].GetProperty("_meta").GetProperty("portcullis/decision").GetProperty("retryAfterSeconds").GetDouble();
        Assert.InRange(retryAfter, 3590, 3600);
        Assert.Equal(2, recorder.Requests.Count(r => r.Body.Contains("\"tools/call\"", StringComparison.Ordinal)));
    }
}
