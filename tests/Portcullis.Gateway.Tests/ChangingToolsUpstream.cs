using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests;

/// <summary>
/// A Streamable HTTP upstream on real Kestrel whose tool list comes one tool per page and whose
/// <c>add</c> tool changes its input schema when <c>change_schema</c> is called; that call's
/// answer announces <c>notifications/tools/list_changed</c> on its event stream, as a server does.
/// </summary>
internal sealed class ChangingToolsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _schemaVersion = 1;
    private int _toolsListRequests;
    private int _addCalls;
    private int _announceOnNextList;

    private ChangingToolsUpstream(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>How many tools/list requests (pages) the server has answered.</summary>
    public int ToolsListRequests => Volatile.Read(ref _toolsListRequests);

    /// <summary>A value of the type <c>add</c>'s argument <c>a</c> has now: a number until <c>change_schema</c> is called, a string after.</summary>
    public object ValidAddArgument => Volatile.Read(ref _schemaVersion) == 1 ? 2 : "two";

    /// <summary>Makes the next tools/list answer an event stream that announces <c>notifications/tools/list_changed</c> before the page.</summary>
    public void AnnounceChangeOnNextList() => Volatile.Write(ref _announceOnNextList, 1);

    /// <summary>How many calls of <c>add</c> reached the server.</summary>
    public int AddCalls => Volatile.Read(ref _addCalls);

    public static async Task<ChangingToolsUpstream> StartAsync()
    {
        var app = LoopbackApp.Create();
        var self = new ChangingToolsUpstream(app);
        app.MapMcpEndpoint("/mcp", self.HandleAsync);
        await app.StartAsync();
        self.Url = new Uri(app.ListeningAddress() + "/mcp");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var message = await JsonDocument.ParseAsync(context.Request.Body);
        var root = message.RootElement;
        if (!root.TryGetProperty("id", out var idElement))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = idElement.GetRawText();
        var method = root.GetProperty("method").GetString();
        context.Response.Headers["Mcp-Session-Id"] = "changing-session";
        switch (method)
        {
            case "initialize":
                await WriteJsonAsync(context, id, """
                    {"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"changing","version":"1.0.0"}}
                    """);
                break;
            case "tools/list":
                Interlocked.Increment(ref _toolsListRequests);
                var secondPage = root.TryGetProperty("params", out var parameters) && parameters.TryGetProperty("cursor", out var cursor)
                    && cursor.GetString() == "page-2";
                var type = Volatile.Read(ref _schemaVersion) == 1 ? "number" : "string";
                if (Interlocked.Exchange(ref _announceOnNextList, 0) == 1)
                {
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n");
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"tools\":[]}}\n\n");
                    break;
                }

                await WriteJsonAsync(context, id, secondPage
                    ? """{"tools":[{"name":"change_schema","inputSchema":{"type":"object"}}]}"""
                    : """{"tools":[{"name":"add","inputSchema":{"type":"object","properties":{"a":{"type":"TYPE"}},"required":["a"]}}],"nextCursor":"page-2"}""".Replace("TYPE", type, StringComparison.Ordinal));
                break;
            case "tools/call" when root.GetProperty("params").GetProperty("name").GetString() == "change_schema":
                Interlocked.Exchange(ref _schemaVersion, 2);
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n");
                await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"changed\"}]}}\n\n");
                break;
            case "tools/call":
                Interlocked.Increment(ref _addCalls);
                await WriteJsonAsync(context, id, """{"content":[{"type":"text","text":"added"}]}""");
                break;
            default:
                await WriteJsonAsync(context, id, "{}");
                break;
        }
    }

    private static Task WriteJsonAsync(HttpContext context, string id, string result)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id}},"result":{{result.Trim()}}}""");
    }
}
