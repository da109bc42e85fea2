using System.Text.Json;

namespace Portcullis.Policy.Risk;

/// <summary>
/// A tool's behaviour hints. Each is null unless the server set it explicitly: the protocol's
/// defaults say nothing about this server, so only what it chose to claim is weighed.
/// </summary>
internal sealed record ToolAnnotations(string? Title, bool? ReadOnly, bool? Destructive, bool? Idempotent, bool? OpenWorld)
{
    public static ToolAnnotations None { get; } = new(null, null, null, null, null);

    public static ToolAnnotations Parse(JsonElement hints) => new(
        ToolDefinition.StringOf(hints, "title"),
        BoolOf(hints, "readOnlyHint"),
        BoolOf(hints, "destructiveHint"),
        BoolOf(hints, "idempotentHint"),
        BoolOf(hints, "openWorldHint"));

    private static bool? BoolOf(JsonElement hints, string name) =>
        hints.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        } : null;
}
