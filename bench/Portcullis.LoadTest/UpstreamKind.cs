namespace Portcullis.LoadTest;

/// <summary>The MCP servers calls go to, each serving an <c>echo</c> tool.</summary>
internal enum UpstreamKind
{
    /// <summary>The C# MCP SDK's Streamable HTTP server with one echo tool (<see cref="EchoUpstream"/>).</summary>
    Echo,

    /// <summary><c>@modelcontextprotocol/server-everything</c> in its Streamable HTTP mode, one process.</summary>
    Everything,

    /// <summary><c>@modelcontextprotocol/server-everything</c> in its stdio mode, one process per session started by the path.</summary>
    EverythingStdio,
}

internal static class UpstreamKindExtensions
{
    public static string Title(this UpstreamKind upstream) => upstream switch
    {
        UpstreamKind.Echo => "C# echo",
        UpstreamKind.Everything => "server-everything",
        UpstreamKind.EverythingStdio => "server-everything, stdio",
        _ => throw new ArgumentOutOfRangeException(nameof(upstream), upstream, null),
    };

    public static PathKind BaselinePath(this UpstreamKind upstream) => upstream == UpstreamKind.EverythingStdio ? PathKind.Supergateway : PathKind.Direct;
}
