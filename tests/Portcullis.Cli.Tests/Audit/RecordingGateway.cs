using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Cli.Tests.Audit;

/// <summary>
/// Runs a real gateway from a configuration file on loopback and makes real MCP calls through it,
/// so that its audit log holds the records commands read, written the way a gateway writes them.
/// </summary>
internal sealed class RecordingGateway
{
    private readonly HttpClient _http;
    private readonly Func<string, Uri> _url;
    private readonly string _token;

    private RecordingGateway(HttpClient http, Func<string, Uri> url, string token)
    {
        _http = http;
        _url = url;
        _token = token;
    }

    /// <summary>Starts the gateway of <paramref name="configPath"/>, runs <paramref name="calls"/> against it with <paramref name="token"/>, and stops it (its records flushed).</summary>
    public static async Task RunAsync(string configPath, string token, Func<RecordingGateway, Task> calls, CancellationToken cancellationToken)
    {
        var (config, errors) = ConfigLoader.LoadFile(configPath);
        Assert.Empty(errors);
        var app = await GatewayApp.BuildAsync(config! with { Listen = new Uri("http://127.0.0.1:0") }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), cancellationToken);
        await using (app)
        {
            await app.StartAsync(cancellationToken);
            using var http = new HttpClient();
            await calls(new RecordingGateway(http, server => new Uri($"{app.ListeningAddress()}/mcp/{server}"), token));
            await app.StopAsync(cancellationToken);
        }
    }

    /// <summary>Opens a session on <paramref name="server"/> and calls <paramref name="tool"/> once in it.</summary>
    public async Task CallAsync(string server, string tool, string arguments)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var session = await PostAsync(server, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
            null, cancellationToken);
        var body = $$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"{{tool}}","arguments":{{arguments}}""" + "}}";
        await PostAsync(server, body, session, cancellationToken);
    }

    private async Task<string> PostAsync(string server, string body, string? session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url(server)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync(cancellationToken);
        return session ?? response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
