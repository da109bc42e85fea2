using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Portcullis.LoadTest;

/// <summary>
/// The upstream every scenario calls: the C# MCP SDK's Streamable HTTP server with one
/// <c>echo</c> tool, run in its own process so its work is not charged to the load generator.
/// </summary>
internal static class EchoUpstream
{
    public static async Task RunAsync(int port, CancellationToken cancellationToken)
    {
        var builder = UnwatchedWebHost.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddMcpServer(options => options.ServerInfo = new() { Name = "echo-upstream", Version = "1.0.0" })
            .WithHttpTransport()
            .WithTools([typeof(EchoTools)]);
        await using var app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        app.MapMcp("/mcp");
        await app.RunAsync(cancellationToken);
    }
}

[McpServerToolType]
internal static class EchoTools
{
    [McpServerTool(Name = "echo"), Description("Returns its message.")]
    public static string Echo([Description("The text to return.")] string message) => message;
}
