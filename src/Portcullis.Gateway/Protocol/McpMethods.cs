using System.Collections.Frozen;

namespace Portcullis.Gateway.Protocol;

/// <summary>
/// The JSON-RPC methods of the MCP revisions the gateway speaks (2025-06-18, 2025-11-25), by the
/// direction they travel. A method outside these is refused unless the server's configuration
/// names it in <c>allow_methods</c>; one that equals a known method but for case never passes,
/// since a server that matched names loosely would run a call the policy never saw.
/// </summary>
internal sealed class McpMethods
{
    /// <summary>Requests and notifications a client may send to a server.</summary>
    private static readonly FrozenSet<string> s_fromClient = new[]
    {
        "initialize", "ping",
        "tools/list", "tools/call",
        "resources/list", "resources/templates/list", "resources/read", "resources/subscribe", "resources/unsubscribe",
        "prompts/list", "prompts/get",
        "completion/complete", "logging/setLevel",
        "tasks/get", "tasks/result", "tasks/list", "tasks/cancel",
        "notifications/initialized", "notifications/cancelled", "notifications/progress", "notifications/roots/list_changed",
        "notifications/tasks/status",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Requests and notifications a server may send to a client.</summary>
    private static readonly FrozenSet<string> s_fromServer = new[]
    {
        "ping",
        "sampling/createMessage", "elicitation/create", "roots/list",
        "tasks/get", "tasks/result", "tasks/list", "tasks/cancel",
        "notifications/cancelled", "notifications/progress", "notifications/message",
        "notifications/resources/updated", "notifications/resources/list_changed",
        "notifications/tools/list_changed", "notifications/prompts/list_changed",
        "notifications/elicitation/complete", "notifications/tasks/status",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_known = s_fromClient.Union(s_fromServer).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenSet<string> _allowed;

    /// <summary>The protocol's methods plus <paramref name="allowed"/>, the operator's additions for one server.</summary>
    public McpMethods(IEnumerable<string> allowed)
    {
        _allowed = allowed.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The protocol's methods alone.</summary>
    public static McpMethods Protocol { get; } = new([]);

    /// <summary>The known method that <paramref name="method"/> equals but for case, or null.</summary>
    public static string? CaseVariantOf(string method) =>
        s_known.TryGetValue(method, out var known) && !string.Equals(known, method, StringComparison.Ordinal) ? known : null;

    /// <summary>Null when a client may send <paramref name="method"/>; otherwise why not.</summary>
    public string? RefusalFromClient(string method) => Refusal(method, s_fromClient);

    /// <summary>Whether a server's request or notification with <paramref name="method"/> may reach the client.</summary>
    public bool AllowsFromServer(string method) => Refusal(method, s_fromServer) is null;

    private string? Refusal(string method, FrozenSet<string> protocol)
    {
        if (CaseVariantOf(method) is { } known)
        {
            return $"Method '{method}' is not '{known}': method names are case-sensitive.";
        }

        return protocol.Contains(method) || _allowed.Contains(method)
            ? null
            : $"Method '{method}' is not part of the MCP revisions the gateway speaks (2025-06-18, 2025-11-25); an operator can allow it for this server with allow_methods.";
    }
}
