using System.Text.Json;

namespace Portcullis.LoadTest;

/// <summary>The npm packages the run starts, installed from bench/Portcullis.LoadTest/node's lockfile.</summary>
internal static class NpmPackages
{
    public const string McpProxy = "mcp-proxy";
    public const string ServerEverything = "@modelcontextprotocol/server-everything";
    public const string PassthroughMcpServer = "@civic/passthrough-mcp-server";
    public const string Supergateway = "supergateway";

    public static IReadOnlyList<string> All { get; } = [McpProxy, ServerEverything, PassthroughMcpServer, Supergateway];

    /// <summary>The version in the installed package's package.json, which the report states.</summary>
    public static string InstalledVersion(string nodeDirectory, string package)
    {
        var manifest = Path.Combine(nodeDirectory, "node_modules", package, "package.json");
        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var version) && version.GetString() is { } text
            ? text
            : throw new InvalidOperationException($"{manifest} names no version.");
    }
}
