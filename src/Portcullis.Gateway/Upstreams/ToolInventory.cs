using System.Collections.Immutable;
using System.Text.Json;

namespace Portcullis.Gateway.Upstreams;

/// <summary>What a server says about itself and the tools it lists: what a risk scan reads.</summary>
internal sealed record ToolInventory
{
    /// <summary>The server's name: its <c>serverInfo.name</c>, or the name an inventory file gives.</summary>
    public string? Name { get; init; }

    /// <summary>The server's display title (<c>serverInfo.title</c>).</summary>
    public string? Title { get; init; }

    /// <summary>The server's version (<c>serverInfo.version</c>).</summary>
    public string? Version { get; init; }

    /// <summary>The <c>instructions</c> of the server's <c>initialize</c> answer.</summary>
    public string? Instructions { get; init; }

    /// <summary>What the server is: the operator's description from the configuration, an inventory file's, or the server's own <c>serverInfo.description</c>.</summary>
    public string? Description { get; init; }

    /// <summary>Every tool of every <c>tools/list</c> page, as the server wrote it, in its order.</summary>
    public ImmutableArray<JsonElement> Tools { get; init; } = [];
}
