using System.Text.Json;

namespace Portcullis.Gateway.Pinning;

/// <summary>One difference between two definitions of a tool.</summary>
/// <param name="Part">What differs: <c>title</c>, <c>description</c>, <c>annotations</c>, <c>inputSchema.properties.NAME</c>, <c>inputSchema</c> (outside its properties), and the same for <c>outputSchema</c>.</param>
/// <param name="Kind"><c>added</c>, <c>removed</c> or <c>changed</c>.</param>
/// <param name="Before">The old value, canonical JSON; null when added.</param>
/// <param name="After">The new value, canonical JSON; null when removed.</param>
internal sealed record DefinitionChange(string Part, string Kind, string? Before, string? After);

/// <summary>What differs between two canonical definitions of a tool, part by part, for the <c>tool.changed</c> record and <c>portcullis tools diff</c>.</summary>
internal static class DefinitionChanges
{
    private static readonly string[] s_wholeParts = ["name", "title", "description", "annotations"];
    private static readonly string[] s_schemas = ["inputSchema", "outputSchema"];

    /// <summary>Every difference from <paramref name="before"/> (null: nothing approved yet) to <paramref name="after"/>, both canonical JSON.</summary>
    public static IReadOnlyList<DefinitionChange> Between(string? before, string after)
    {
        using var oldDocument = JsonDocument.Parse(before ?? "{}");
        using var newDocument = JsonDocument.Parse(after);
        var changes = new List<DefinitionChange>();
        foreach (var part in s_wholeParts)
        {
            Compare(changes, part, Member(oldDocument.RootElement, part), Member(newDocument.RootElement, part));
        }

        foreach (var schema in s_schemas)
        {
            var oldSchema = Member(oldDocument.RootElement, schema);
            var newSchema = Member(newDocument.RootElement, schema);
            if (oldSchema is null || newSchema is null || oldSchema.Value.ValueKind != JsonValueKind.Object || newSchema.Value.ValueKind != JsonValueKind.Object)
            {
                Compare(changes, schema, oldSchema, newSchema);
                continue;
            }

            var oldProperties = Properties(oldSchema.Value);
            var newProperties = Properties(newSchema.Value);
            foreach (var name in oldProperties.Keys.Union(newProperties.Keys).Order(StringComparer.Ordinal))
            {
                Compare(changes, $"{schema}.properties.{name}", oldProperties.GetValueOrDefault(name), newProperties.GetValueOrDefault(name));
            }

            if (WithoutProperties(oldSchema.Value) != WithoutProperties(newSchema.Value))
            {
                changes.Add(new DefinitionChange(schema, "changed", WithoutProperties(oldSchema.Value), WithoutProperties(newSchema.Value)));
            }
        }

        return changes;
    }

    /// <summary>One line: <c>description changed; inputSchema.properties.path added</c>.</summary>
    public static string Summary(IReadOnlyList<DefinitionChange> changes) =>
        changes.Count == 0 ? "no difference in the pinned members" : string.Join("; ", changes.Select(c => $"{c.Part} {c.Kind}"));

    private static void Compare(List<DefinitionChange> changes, string part, JsonElement? before, JsonElement? after)
    {
        var oldText = before?.GetRawText();
        var newText = after?.GetRawText();
        if (oldText == newText)
        {
            return;
        }

        changes.Add(new DefinitionChange(part, oldText is null ? "added" : newText is null ? "removed" : "changed", oldText, newText));
    }

    private static JsonElement? Member(JsonElement definition, string name) =>
        definition.ValueKind == JsonValueKind.Object && definition.TryGetProperty(name, out var value) ? value : null;

    private static Dictionary<string, JsonElement?> Properties(JsonElement schema)
    {
        var properties = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        if (schema.TryGetProperty("properties", out var members) && members.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in members.EnumerateObject())
            {
                properties[property.Name] = property.Value;
            }
        }

        return properties;
    }

    /// <summary>The schema's canonical JSON without <c>properties</c> (its members are canonical already, and stay in order).</summary>
    private static string WithoutProperties(JsonElement schema)
    {
        var text = new System.Text.StringBuilder("{");
        foreach (var property in schema.EnumerateObject().Where(p => !p.NameEquals("properties")))
        {
            text.Append(text.Length > 1 ? "," : "");
            PinnedDefinition.AppendString(text, property.Name);
            text.Append(':').Append(property.Value.GetRawText());
        }

        return text.Append('}').ToString();
    }
}
