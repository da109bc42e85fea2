using System.Collections.Immutable;

namespace Portcullis.Storage.Grants;

/// <summary>A grant created at run time, as kept in a store: the token only as its SHA-256 hash.</summary>
public sealed record StoredGrant
{
    /// <summary>The grant's unique name.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the bearer token.</summary>
    public required ImmutableArray<byte> TokenHash { get; init; }

    /// <summary>The servers the grant may use.</summary>
    public required ImmutableArray<string> Servers { get; init; }

    /// <summary>Labels shown to policies.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When it stops working, if ever.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>When it was revoked, if it was.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
