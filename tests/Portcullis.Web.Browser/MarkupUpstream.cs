using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Web.Browser;

/// <summary>
/// An MCP server (the C# SDK's, on loopback) whose tool describes itself, and its argument, with
/// markup: what a hostile or careless upstream sends the admin UI to render.
/// </summary>
internal sealed class MarkupUpstream : IAsyncDisposable
{
    public const string ServerId = "markup";

    public const string ToolName = "render_page";

    public const string Payload = "<img src=x onerror=alert(1)><script>alert(2)</script>";

    private readonly WebApplication _app;

    private MarkupUpstream(WebApplication app) => _app = app;

    public Uri Url => new(_app.ListeningAddress() + "/mcp");

    public static async Task<MarkupUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var tool = McpServerTool.Create((string page) => "rendered " + page, new McpServerToolCreateOptions
        {
            Name = ToolName,
            Description = "Renders a page. " + Payload,
        });
        builder.Services.AddMcpServer(options => options.ServerInstructions = "Instructions " + Payload).WithHttpTransport().WithTools([tool]);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        return new MarkupUpstream(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
