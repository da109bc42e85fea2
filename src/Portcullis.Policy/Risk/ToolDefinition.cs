using System.Text.Json;

namespace Portcullis.Policy.Risk;

/// <summary>The parts of a tools/list entry the classifier reads, taken from the JSON once.</summary>
internal sealed record ToolDefinition(
    string Name,
    string? Title,
    string? Description,
    IReadOnlyList<SchemaProperty> Properties,
    ToolAnnotations Annotations)
{
    /// <summary>Reads a tool exactly as tools/list returns it; only a string <c>name</c> is required.</summary>
    public static ToolDefinition Parse(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"A tool definition must be a JSON object, but this one is {Kinds.Of(tool.ValueKind)}.", nameof(tool));
        }

        if (!tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw new ArgumentException("A tool definition must have a string \"name\"; this one "
                + (tool.TryGetProperty("name", out var other) ? $"has a name that is {Kinds.Of(other.ValueKind)}." : "has none."), nameof(tool));
        }

        var toolName = name.GetString()!;
        if (toolName.Length == 0)
        {
            throw new ArgumentException("A tool definition's \"name\" must not be empty.", nameof(tool));
        }

        var properties = new List<SchemaProperty>();
        if (tool.TryGetProperty("inputSchema", out var schema) && schema.ValueKind == JsonValueKind.Object)
        {
            SchemaProperty.Collect(schema, properties, depth: 0);
        }

        var annotations = tool.TryGetProperty("annotations", out var hints) && hints.ValueKind == JsonValueKind.Object
            ? ToolAnnotations.Parse(hints)
            : ToolAnnotations.None;

        return new ToolDefinition(toolName, StringOf(tool, "title") ?? annotations.Title, StringOf(tool, "description"), properties, annotations);
    }

    internal static string? StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static class Kinds
    {
        public static string Of(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "missing",
        };
    }
}
