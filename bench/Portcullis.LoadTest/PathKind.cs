namespace Portcullis.LoadTest;

/// <summary>The ways a client reaches an upstream.</summary>
internal enum PathKind
{
    /// <summary>The client talks to the upstream itself.</summary>
    Direct,

    PortcullisMemory,

    PortcullisSqlite,

    /// <summary>mcp-proxy from npm, its HTTP server in front of the SDK's Streamable HTTP client (peer-proxy.mjs).</summary>
    McpProxy,

    /// <summary><c>@civic/passthrough-mcp-server</c>: an HTTP-to-HTTP MCP proxy with policy hooks, from its own CLI.</summary>
    PassthroughMcpServer,

    /// <summary><c>supergateway</c>: stdio servers served over Streamable HTTP, one child per session (<c>--stateful</c>).</summary>
    Supergateway,

    /// <summary>Kestrel forwarding bytes through <see cref="SocketsHttpHandler"/>, nothing else (<see cref="BareForwarder"/>): the floor under a .NET proxy.</summary>
    BareForwarder,
}

internal static class PathKindExtensions
{
    public static string Title(this PathKind path) => path switch
    {
        PathKind.Direct => "direct",
        PathKind.PortcullisMemory => "Portcullis, memory store",
        PathKind.PortcullisSqlite => "Portcullis, SQLite store",
        PathKind.McpProxy => "mcp-proxy (npm)",
        PathKind.PassthroughMcpServer => "passthrough-mcp-server (npm)",
        PathKind.Supergateway => "supergateway (npm)",
        PathKind.BareForwarder => "bare .NET forwarder (no policy)",
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, null),
    };

    public static bool IsPortcullis(this PathKind path) => path is PathKind.PortcullisMemory or PathKind.PortcullisSqlite;
}
