using System.Collections.Frozen;
using System.Text.Json;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Protocol;
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
    private readonly FrozenSet<string> _unpinnable;

    private ToolDefinitions(FrozenDictionary<string, Lazy<ServerToolSchema>> schemas, FrozenDictionary<string, PinnedDefinition> definitions,
        FrozenSet<string> unpinnable)
    {
        _schemas = schemas;
        _definitions = definitions;
        _unpinnable = unpinnable;
    }

    public int Count => _schemas.Count;

    /// <summary>Every tool's definition in pinned form.</summary>
    public IEnumerable<PinnedDefinition> Definitions => _definitions.Values;

    /// <summary>Whether the server lists the tool with a definition that cannot be pinned (a string in it is not valid Unicode).</summary>
    public bool IsUnpinnable(string toolName) => _unpinnable.Contains(toolName);

    /// <summary>The tool's definition in pinned form, or null when the server lists no such tool (or one that cannot be pinned).</summary>
    public PinnedDefinition? DefinitionOf(string toolName) => _definitions.GetValueOrDefault(toolName);

    /// <summary>Builds the set from every page's <c>tools</c> entries; a name listed twice keeps its first definition.</summary>
    public static ToolDefinitions From(IEnumerable<JsonElement> tools)
    {
        var schemas = new Dictionary<string, Lazy<ServerToolSchema>>(StringComparer.Ordinal);
        var definitions = new Dictionary<string, PinnedDefinition>(StringComparer.Ordinal);
        var unpinnable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (tool.ValueKind != JsonValueKind.Object
                || !tool.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
                || !JsonStrings.TryGet(nameElement, out var name) || name.Length == 0
                || schemas.ContainsKey(name))
            {
                continue;
            }

            try
            {
                definitions[name] = PinnedDefinition.From(tool)!;
            }
            catch (InvalidOperationException)
            {
                unpinnable.Add(name);
            }

            var schema = tool.TryGetProperty("inputSchema", out var inputSchema) ? inputSchema.GetRawText() : null;
            schemas[name] = new Lazy<ServerToolSchema>(() => Compile(name, schema), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        return new ToolDefinitions(schemas.ToFrozenDictionary(StringComparer.Ordinal), definitions.ToFrozenDictionary(StringComparer.Ordinal),
            unpinnable.ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>The tool's schema, or why there is none.</summary>
    public ServerToolSchema SchemaOf(string toolName) =>
        _schemas.TryGetValue(toolName, out var schema)
            ? schema.Value
            : ServerToolSchema.Unavailable($"the server lists no tool named '{toolName}'");

    /// <summary>The input schema <paramref name="schema"/> (JSON text) a server advertises for tool <paramref name="name"/>, compiled; or why it cannot be used.</summary>
    internal static ServerToolSchema Compile(string name, string? schema)
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
