using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Cli.Demo;

/// <summary>
/// The built-in demo MCP server, resembling CodexMCP (a server wrapping the OpenAI Codex CLI), on its own loopback port so it is reachable only through the
/// gateway's upstream client, never on the gateway's public listener.
/// </summary>
internal sealed class DemoUpstream : IAsyncDisposable
{
    /// <summary>The demo server's id on the gateway.</summary>
    public const string ServerId = "codex";

    /// <summary>The name the demo server gives itself in <c>serverInfo</c>.</summary>
    public const string ServerName = "codex-mcp";

    /// <summary>What the demo server says it is (<c>serverInfo.description</c> and <c>instructions</c>), as CodexMCP describes itself.</summary>
    public const string ServerDescription =
        "Wraps the OpenAI Codex CLI to provide AI-powered code generation, refactoring, and documentation.";

    private readonly WebApplication _app;
    private readonly DemoToolCalls _calls;

    private DemoUpstream(WebApplication app, Uri url, DemoToolCalls calls)
    {
        _app = app;
        Url = url;
        _calls = calls;
    }

    /// <summary>How many tool calls the demo server has executed: what got through the gateway.</summary>
    public long ToolCallsServed => _calls.Count;

    /// <summary>How many tool calls about <paramref name="subject"/> (a description, path or piece of code) the demo server has executed.</summary>
    public long ToolCallsServedFor(string subject) => _calls.CountFor(subject);

    /// <summary>The demo server's Streamable HTTP endpoint.</summary>
    public Uri Url { get; }

    /// <summary>Starts the demo server on a free loopback port.</summary>
    public static async Task<DemoUpstream> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMcpServer(options =>
            {
                options.ServerInfo = new() { Name = ServerName, Title = "CodexMCP (demo)", Version = "1.0.0", Description = ServerDescription };
                options.ServerInstructions = ServerDescription + " Use code_generate to write code, describe_codebase to explain a codebase and review_code to review code.";
            })
            .WithHttpTransport()
            .WithTools<CodexDemoTools>();
        var calls = new DemoToolCalls();
        builder.Services.AddSingleton(calls);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new DemoUpstream(app, new Uri(app.ListeningAddress() + "/mcp"), calls);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
