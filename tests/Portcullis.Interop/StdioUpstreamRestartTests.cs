using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.Interop;

/// <summary>A stdio upstream that dies: its session ends with 404, and the next initialize starts a fresh process.</summary>
// Shares the collection with the scenario tests so no other session starts a child meanwhile.
[Collection("server-everything")]
public sealed class StdioUpstreamRestartTests(ServerEverythingFixture everything)
{
    private const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"restart","version":"1"}}}
        """;

    private const string ToolsList = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";

    [Fact]
    public async Task DeadProcess_EndsTheSession_AndInitializeStartsANewOne()
    {
        NodeTools.RequireInstalled();
        Assert.True(everything.Available, "server-everything did not start.");
        using var http = new HttpClient();
        var token = everything.NewGrant();
        var before = StdioChildren();

        var session = await InitializeAsync(http, token);
        var started = StdioChildren().Except(before).ToList();
        var child = Assert.Single(started);
        using (var alive = await PostAsync(http, token, ToolsList, session))
        {
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        child.Kill();
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        using (var dead = await PostAsync(http, token, ToolsList, session))
        {
            Assert.Equal(HttpStatusCode.NotFound, dead.StatusCode);
        }

        var fresh = await InitializeAsync(http, token);
        using var again = await PostAsync(http, token, ToolsList, fresh);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"echo\"", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private async Task<string> InitializeAsync(HttpClient http, string token)
    {
        using var response = await PostAsync(http, token, Initialize, session: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient http, string token, string body, string? session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, everything.StdioGatewayUrl) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>server-everything processes in stdio mode started by this test process.</summary>
    private static List<Process> StdioChildren()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return [.. Process.GetProcessesByName("node").Where(p =>
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{p.Id}/cmdline").Replace('\0', ' ');
                var parent = File.ReadAllText($"/proc/{p.Id}/stat").Split(' ')[3];
                return parent == self && commandLine.Contains("server-everything", StringComparison.Ordinal) && commandLine.TrimEnd().EndsWith(" stdio", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        })];
    }
}
