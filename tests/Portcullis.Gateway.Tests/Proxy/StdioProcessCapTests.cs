using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.TestServers;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>Neither one grant nor all of them together can start processes of a command upstream without bound.</summary>
public sealed class StdioProcessCapTests
{
    private const string Token = "process-cap-token-0123456789abcdef";
    private const string OtherToken = "process-cap-other-0123456789abcdef";

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
    public async Task Initialize_BeyondTheGrantsOrTheServersCap_Is503_AndEndingASessionMakesRoom()
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
                    Limits = new UpstreamLimits { MaxProcesses = 3, MaxProcessesPerGrant = 2 },
                },
            ],
            Grants =
            [
                new GrantConfig { Name = "greedy", Servers = ["tiny"], Token = Token },
                new GrantConfig { Name = "other", Servers = ["tiny"], Token = OtherToken },
            ],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/tiny";

        using var first = await InitializeAsync(http, url, Token);
        using var second = await InitializeAsync(http, url, Token);
        using var thirdOfGrant = await InitializeAsync(http, url, Token);
        using var otherGrant = await InitializeAsync(http, url, OtherToken);
        using var beyondServer = await InitializeAsync(http, url, OtherToken);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { first.StatusCode, second.StatusCode, otherGrant.StatusCode });
        await AssertRefusedAsync(thirdOfGrant, "Grant 'greedy' already holds as many processes of server 'tiny' as it may (max_processes_per_grant: 2)");
        await AssertRefusedAsync(beyondServer, "already runs as many processes as it may (max_processes: 3)");

        using var end = new HttpRequestMessage(HttpMethod.Delete, url);
        end.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        end.Headers.Add("Mcp-Session-Id", first.Headers.GetValues("Mcp-Session-Id").Single());
        using var ended = await http.SendAsync(end, Cancel);
        using var again = await InitializeAsync(http, url, Token);

        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await app.StopAsync(CancellationToken.None);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string message)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(-32003, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains(message, error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> InitializeAsync(HttpClient http, string url, string token) =>
        McpHttp.PostAsync(http, url, GatewayFixture.Initialize, token, session: null, Cancel);
}
