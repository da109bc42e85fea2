using System.Collections.Frozen;
using System.Text.Json;
using Portcullis.Gateway.Pinning;
using Portcullis.Policy.Validation;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// One upstream's tools as its <c>tools/list</c> advertised them: each definition in pinned form,
/// each input schema compiled once, when it is first needed. Immutable: a change on the server
/// replaces the whole set.
/// </summary>
internal sealed class ToolDefinitions
{
    private readonly FrozenDictionary<string, Lazy<ServerToolSchema>> _schemas;
    private readonly FrozenDictionary<string, PinnedDefinition> _definitions;

    private ToolDefinitions(FrozenDictionary<string, Lazy<ServerToolSchema>> schemas, FrozenDictionary<string, PinnedDefinition> definitions)
    {
        _schemas = schemas;
        _definitions = definitions;
    }

    public int Count => _schemas.Count;

    /// <summary>Every tool's definition in pinned form.</summary>
    public IEnumerable<PinnedDefinition> Definitions => _definitions.Values;

    /// <summary>The tool's definition in pinned form, or null when the server lists no such tool.</summary>
    public PinnedDefinition? DefinitionOf(string toolName) => _definitions.GetValueOrDefault(toolName);

    /// <summary>Builds the set from every page's <c>tools</c> entries; a name listed twice keeps its first definition.</summary>
    public static ToolDefinitions From(IEnumerable<JsonElement> tools)
    {
        var schemas = new Dictionary<string, Lazy<ServerToolSchema>>(StringComparer.Ordinal);
        var definitions = new Dictionary<string, PinnedDefinition>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (PinnedDefinition.From(tool) is not { } definition || schemas.ContainsKey(definition.Name))
            {
                continue;
            }

            var name = definition.Name;
            definitions[name] = definition;

            var schema = tool.TryGetProperty("inputSchema", out var inputSchema) ? inputSchema.GetRawText() : null;
            schemas[name] = new Lazy<ServerToolSchema>(() => Compile(name, schema), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        return new ToolDefinitions(schemas.ToFrozenDictionary(StringComparer.Ordinal), definitions.ToFrozenDictionary(StringComparer.Ordinal));
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
