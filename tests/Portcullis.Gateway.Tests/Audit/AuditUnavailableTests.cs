using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests.Audit;

/// <summary>When no audit sink and no spill file can keep a record, no call is forwarded.</summary>
public sealed class AuditUnavailableTests
{
    private const string Token = "audit-unavailable-token-0123456789";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallTool_WhileNoSinkCanKeepRecords_Is503AndReachesNoUpstream_ThenFlowsOnceTheyCan()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        // A regular file where the directories should be: neither the JSONL sink nor its spill file can be written.
        var blocker = Path.GetTempFileName();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Audit = new AuditConfig { ToStore = false, JsonlDirectories = [Path.Combine(blocker, "jsonl")], SpillDirectory = Path.Combine(blocker, "spill") },
            Servers = [new UpstreamServerConfig { Id = "recorder", Url = recorder.Url, PolicyText = """{"version": "1", "default": "allow"}""" }],
            Grants = [new GrantConfig { Name = "agent", Servers = ["recorder"], Token = Token }],
        };
        var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        try
        {
            await app.StartAsync(Cancel);
            var audit = app.Services.GetRequiredService<AuditLog>();
            Assert.True(await WaitUntilAsync(() => !audit.Accepting), "The audit log did not notice that nothing can keep its records.");
            using var http = new HttpClient();
            var url = app.ListeningAddress() + "/mcp/recorder";
            var session = await McpHttp.OpenSessionAsync(http, url, Token, Cancel);
            var before = ToolCalls(recorder);

            using var refused = await CallAsync(http, url, session);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel));
            Assert.Equal(-32005, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("audit log cannot keep records", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(before, ToolCalls(recorder));

            File.Delete(blocker);
            Assert.True(await WaitUntilAsync(() => audit.Accepting), "The audit log did not recover once its directory could be written.");
            using var allowed = await CallAsync(http, url, session);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(before + 1, ToolCalls(recorder));
        }
        finally
        {
            if (File.Exists(blocker))
            {
                File.Delete(blocker);
            }

            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            if (Directory.Exists(blocker))
            {
                Directory.Delete(blocker, recursive: true);
            }
        }
    }

    /// <summary>The tool calls the upstream received (the gateway also reads its tool list, to check the tools' pins).</summary>
    private static int ToolCalls(RecordingUpstream recorder) => recorder.Requests.Count(r => r.Body.Contains("\"tools/call\"", StringComparison.Ordinal));

    private static Task<HttpResponseMessage> CallAsync(HttpClient http, string url, string session) =>
        McpHttp.PostAsync(http, url, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}""", Token, session, Cancel);

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50, Cancel);
        }

        return condition();
    }
}
