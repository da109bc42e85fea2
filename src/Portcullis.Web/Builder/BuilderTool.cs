using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Web.Builder;

/// <summary>A tool as the builder offers it: its name, risk and the argument paths its input schema declares.</summary>
/// <param name="Name">The tool's exact name.</param>
/// <param name="Category">The risk category (Read, Write, Execute, Destructive, Financial), empty when unknown.</param>
/// <param name="Severity">The risk severity, empty when unknown.</param>
/// <param name="Arguments">Condition paths into its arguments (<c>args.language</c>) with their JSON Schema types.</param>
/// <param name="InputSchema">The input schema as advertised, for trying a call under <c>validate_args</c>; null when none.</param>
public sealed record BuilderTool(string Name, string Category, string Severity, IReadOnlyList<ArgumentPath> Arguments, string? InputSchema)
{
    /// <summary>The type of the argument at <paramref name="path"/>, empty when the schema does not say.</summary>
    public string TypeOf(string path) => Arguments.FirstOrDefault(a => a.Path == path)?.Type ?? "";
}

/// <summary>A condition path into a tool's arguments and the type the tool's schema gives it (empty when none).</summary>
public sealed record ArgumentPath(string Path, string Type);

/// <summary>Reads the argument paths a tool's input schema declares.</summary>
internal static class ArgumentPaths
{
    // Nested objects are offered a little way down (args.options.force), not without end.
    private const int MaxDepth = 3;

    /// <summary>The paths of <paramref name="definition"/>'s <c>inputSchema</c> properties, nested objects included.</summary>
    public static IReadOnlyList<ArgumentPath> Of(JsonElement definition)
    {
        var paths = new List<ArgumentPath>();
        if (definition.ValueKind == JsonValueKind.Object && definition.TryGetProperty("inputSchema", out var schema))
        {
            Collect(schema, "args", paths, 1);
        }

        return paths;
    }

    private static void Collect(JsonElement schema, string prefix, List<ArgumentPath> into, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            // A name a bracket cannot hold whole would be read back as another path: it is not offered.
            if (Segment(property.Name) is not { } segment)
            {
                continue;
            }

            var path = prefix + segment;
            var type = property.Value.ValueKind == JsonValueKind.Object ? SchemaProperty.TypeOf(property.Value) ?? "" : "";
            into.Add(new ArgumentPath(path, type));
            if (depth < MaxDepth && type == "object")
            {
                Collect(property.Value, path, into, depth + 1);
            }
        }
    }

    /// <summary><c>.name</c>, or <c>["odd.name"]</c> for a name a dotted path cannot hold; null for a name no path can hold (one with <c>]</c>, or both quotes).</summary>
    private static string? Segment(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? "." + name
            : name.Contains(']', StringComparison.Ordinal) || (name.Contains('"', StringComparison.Ordinal) && name.Contains('\'', StringComparison.Ordinal))
                ? null
                : name.Contains('"', StringComparison.Ordinal) ? $"['{name}']" : $"[\"{name}\"]";
}
