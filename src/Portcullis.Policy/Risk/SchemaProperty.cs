using System.Text.Json;

namespace Portcullis.Policy.Risk;

/// <summary>One property of a tool's input schema: its name, JSON type, description and the strings its enum allows.</summary>
internal sealed record SchemaProperty(string Name, string? Type, string? Description, IReadOnlyList<string> Values)
{
    // An enum longer than this is a list of names, not of actions; its first values are enough.
    private const int MaxValues = 16;

    // Nested objects are read a little way down (an "options" object holding "force"), not without end.
    private const int MaxDepth = 2;

    /// <summary>Adds the properties of <paramref name="schema"/> (and of its nested objects) to <paramref name="into"/>.</summary>
    public static void Collect(JsonElement schema, List<SchemaProperty> into, int depth)
    {
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                into.Add(new SchemaProperty(property.Name, null, null, []));
                continue;
            }

            into.Add(new SchemaProperty(property.Name, TypeOf(property.Value), ToolDefinition.StringOf(property.Value, "description"), ValuesOf(property.Value)));
            if (depth < MaxDepth)
            {
                Collect(property.Value, into, depth + 1);
                if (property.Value.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
                {
                    Collect(items, into, depth + 1);
                }
            }
        }
    }

    private static List<string> ValuesOf(JsonElement property)
    {
        if (!property.TryGetProperty("enum", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var strings = new List<string>(Math.Min(values.GetArrayLength(), MaxValues));
        foreach (var value in values.EnumerateArray())
        {
            if (strings.Count == MaxValues)
            {
                break;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                strings.Add(value.GetString()!);
            }
        }

        return strings;
    }

    /// <summary>A property schema's JSON type: its <c>type</c>, or of a list such as <c>["string", "null"]</c> the first that is not null; null when it names none.</summary>
    internal static string? TypeOf(JsonElement property)
    {
        if (!property.TryGetProperty("type", out var type))
        {
            return null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString();
        }

        // ["string", "null"]: the first non-null type.
        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in type.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { } name && name != "null")
                {
                    return name;
                }
            }
        }

        return null;
    }
}
