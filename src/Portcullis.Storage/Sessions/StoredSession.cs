namespace Portcullis.Storage.Sessions;

/// <summary>A client's gateway session as kept in a store, shared by every gateway instance using it.</summary>
public sealed record StoredSession
{
    /// <summary>The gateway's session id (256 random bits).</summary>
    public required string Id { get; init; }

    /// <summary>The grant that opened the session.</summary>
    public required string GrantName { get; init; }

    /// <summary>The upstream server the session belongs to.</summary>
    public required string ServerId { get; init; }

    /// <summary>The upstream's session id, when the upstream issued one; never shown to clients.</summary>
    public string? UpstreamSessionId { get; init; }

    /// <summary>When the session was opened.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a request last used the session (kept to within <see cref="ISessionStore.TouchGranularity"/>).</summary>
    public required DateTimeOffset LastUsedAt { get; init; }
}
