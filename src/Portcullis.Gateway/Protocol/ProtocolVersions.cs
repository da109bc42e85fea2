namespace Portcullis.Gateway.Protocol;

/// <summary>The MCP protocol revisions the gateway speaks: the one place to add the next.</summary>
internal static class ProtocolVersions
{
    public const string HeaderName = "MCP-Protocol-Version";

    public const string SessionHeaderName = "Mcp-Session-Id";

    /// <summary>The newest revision the gateway speaks, which it asks for when it opens a session of its own.</summary>
    public const string Latest = "2025-11-25";

    private static readonly HashSet<string> s_supported = new(StringComparer.Ordinal) { "2025-03-26", "2025-06-18", "2025-11-25" };

    public static bool IsSupported(string version) => s_supported.Contains(version);

    public static string SupportedList => string.Join(", ", s_supported);
}
