namespace Portcullis.Gateway.Sessions;

/// <summary>
/// A client's MCP session on the gateway, bound to the grant that opened it. The id the client
/// sees is the gateway's own; the upstream's session id never leaves the gateway.
/// </summary>
public sealed record GatewaySession
{
    /// <summary>The gateway's session id (256 random bits).</summary>
    public required string Id { get; init; }

    /// <summary>The grant that opened the session; any other grant gets 404 for it.</summary>
    public required string GrantName { get; init; }

    /// <summary>The upstream server the session belongs to.</summary>
    public required string ServerId { get; init; }

    /// <summary>The upstream's session id, when the upstream issued one.</summary>
    public string? UpstreamSessionId { get; init; }

    /// <summary>When the session was opened.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a request last used the session, in UTC ticks (updated without allocating a new record).</summary>
    internal long LastUsedTicks;
}
