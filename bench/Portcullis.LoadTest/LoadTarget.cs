namespace Portcullis.LoadTest;

/// <summary>
/// An MCP endpoint serving an <c>echo</c> tool: where to send calls, the bearer token it wants,
/// and what its echo puts before the message (the C# echo upstream nothing, server-everything <c>"Echo: "</c>).
/// </summary>
internal sealed record LoadTarget(Uri Endpoint, string? Token, string ReplyPrefix);
