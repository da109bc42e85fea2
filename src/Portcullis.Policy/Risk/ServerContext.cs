namespace Portcullis.Policy.Risk;

/// <summary>What is known about the server a tool comes from.</summary>
/// <param name="Name">serverInfo.name from its initialize answer.</param>
/// <param name="Title">serverInfo.title from its initialize answer.</param>
/// <param name="Instructions">instructions from its initialize answer.</param>
/// <param name="Description">The operator's own description of the server.</param>
public sealed record ServerContext(string? Name, string? Title, string? Instructions, string? Description)
{
    /// <summary>A server nothing is known about.</summary>
    public static ServerContext Unknown { get; } = new(null, null, null, null);
}
