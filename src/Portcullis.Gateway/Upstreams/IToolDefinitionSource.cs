namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// The server's tool definitions as a decision needs them (input schemas for
/// <c>validate_args</c>, definitions to check against their pins). The upstream layer provides
/// them, reading the list over the calling session when it keeps none; the decision only asks.
/// </summary>
internal interface IToolDefinitionSource
{
    /// <summary>The definitions the server advertises now, or why they could not be had.</summary>
    ValueTask<(ToolDefinitions? Definitions, string? Problem)> DefinitionsAsync(CancellationToken cancellationToken);
}
