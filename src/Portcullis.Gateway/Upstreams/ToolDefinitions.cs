using System.Collections.Frozen;
using System.Text.Json;
using Portcullis.Policy.Validation;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// One upstream's tools as its <c>tools/list</c> advertised them, each input schema compiled once,
/// when it is first needed. Immutable: a change on the server replaces the whole set.
/// </summary>
internal sealed class ToolDefinitions
{
    private readonly FrozenDictionary<string, Lazy<ServerToolSchema>> _schemas;

    private ToolDefinitions(FrozenDictionary<string, Lazy<ServerToolSchema>> schemas)
    {
        _schemas = schemas;
    }

    public int Count => _schemas.Count;

    /// <summary>Builds the set from every page's <c>tools</c> entries; a name listed twice keeps its first definition.</summary>
    public static ToolDefinitions From(IEnumerable<JsonElement> tools)
    {
        var schemas = new Dictionary<string, Lazy<ServerToolSchema>>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (tool.ValueKind != JsonValueKind.Object
                || !tool.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
                || nameElement.GetString() is not { Length: > 0 } name
                || schemas.ContainsKey(name))
            {
                continue;
            }

            var schema = tool.TryGetProperty("inputSchema", out var inputSchema) ? inputSchema.GetRawText() : null;
            schemas[name] = new Lazy<ServerToolSchema>(() => Compile(name, schema), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        return new ToolDefinitions(schemas.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The tool's schema, or why there is none.</summary>
    public ServerToolSchema SchemaOf(string toolName) =>
        _schemas.TryGetValue(toolName, out var schema)
            ? schema.Value
            : ServerToolSchema.Unavailable($"the server lists no tool named '{toolName}'");

    private static ServerToolSchema Compile(string name, string? schema)
    {
        if (schema is null)
        {
            return ServerToolSchema.Unavailable($"the server's definition of '{name}' has no inputSchema");
        }

        try
        {
            return ServerToolSchema.Of(ArgumentSchema.Parse(schema));
        }
        catch (ArgumentSchemaException e)
        {
            return ServerToolSchema.Unavailable($"the server's inputSchema for '{name}' is not a usable JSON Schema ({e.Message})");
        }
    }
}
