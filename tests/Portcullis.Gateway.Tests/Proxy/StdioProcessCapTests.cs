using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.TestServers;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>A grant that opens session after session on a command upstream cannot start processes without bound.</summary>
public sealed class StdioProcessCapTests
{
    private const string Token = "process-cap-token-0123456789abcdef";

    /// <summary>A minimal stdio MCP server: answers initialize, and every other request with an empty result.</summary>
    private const string Server = """
        require('readline').createInterface({ input: process.stdin }).on('line', line => {
          const m = JSON.parse(line);
          if (m.id === undefined || !m.method) return;
          const result = m.method === 'initialize'
            ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'tiny', version: '1' } }
            : {};
          process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\n');
        });
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initialize_BeyondMaxProcesses_Is503_AndEndingASessionMakesRoom()
    {
        var node = ExternalComponent.Find("node");
        ExternalComponent.Require(node is null ? "node is not installed (apt-get install nodejs)" : null);

        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new UpstreamServerConfig
                {
                    Id = "tiny",
                    Url = new Uri("stdio://tiny"),
                    Command = node!,
                    Arguments = ["-e", Server],
                    PolicyText = """{"version": "1", "default": "allow"}""",
                    Limits = new UpstreamLimits { MaxProcesses = 2 },
                },
            ],
            Grants = [new GrantConfig { Name = "agent", Servers = ["tiny"], Token = Token }],
        };
        await using var app = await GatewayApp.BuildAsync(config, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/tiny";

        using var first = await InitializeAsync(http, url);
        using var second = await InitializeAsync(http, url);
        using var third = await InitializeAsync(http, url);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        using var error = JsonDocument.Parse(await third.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(-32003, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("max_processes: 2", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        using var end = new HttpRequestMessage(HttpMethod.Delete, url);
        end.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        end.Headers.Add("Mcp-Session-Id", first.Headers.GetValues("Mcp-Session-Id").Single());
        using var ended = await http.SendAsync(end, Cancel);
        using var fourth = await InitializeAsync(http, url);

        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        await app.StopAsync(CancellationToken.None);
    }

    private static async Task<HttpResponseMessage> InitializeAsync(HttpClient http, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
                """, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request, Cancel);
    }
}
