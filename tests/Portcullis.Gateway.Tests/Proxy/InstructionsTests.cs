using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>A server's <c>instructions</c> setting rewrites its <c>initialize</c> answer at the HTTP front.</summary>
public sealed class InstructionsTests
{
    private const string Token = "instructions-token-0123456789abcdef";
    private const string Policy = """{"version": "1", "default": "allow"}""";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initialize_EachInstructionsSetting_KeepsDropsOrReplacesThem()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new UpstreamServerConfig { Id = "kept", Url = recorder.Url, PolicyText = Policy },
                new UpstreamServerConfig { Id = "dropped", Url = recorder.Url, PolicyText = Policy, Instructions = UpstreamInstructions.Drop },
                new UpstreamServerConfig
                {
                    Id = "replaced",
                    Url = recorder.Url,
                    PolicyText = Policy,
                    Instructions = new UpstreamInstructions(InstructionsMode.Replace, "Only \"echo\" is yours."),
                },
            ],
            Grants = [new GrantConfig { Name = "agent", Servers = ["kept", "dropped", "replaced"], Token = Token }],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();

        var kept = await InitializeResultAsync(http, app.ListeningAddress() + "/mcp/kept");
        var dropped = await InitializeResultAsync(http, app.ListeningAddress() + "/mcp/dropped");
        var replaced = await InitializeResultAsync(http, app.ListeningAddress() + "/mcp/replaced");

        Assert.Equal(RecordingUpstream.Instructions, kept.GetProperty("instructions").GetString());
        Assert.False(dropped.TryGetProperty("instructions", out _));
        Assert.Equal("recorder", dropped.GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Equal("Only \"echo\" is yours.", replaced.GetProperty("instructions").GetString());
        Assert.Equal("2025-11-25", replaced.GetProperty("protocolVersion").GetString());
        await app.StopAsync(CancellationToken.None);
    }

    private static async Task<JsonElement> InitializeResultAsync(HttpClient http, string url)
    {
        using var response = await McpHttp.PostAsync(http, url, GatewayFixture.Initialize, Token, session: null, Cancel);
        response.EnsureSuccessStatusCode();
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        return answer.RootElement.GetProperty("result").Clone();
    }
}
