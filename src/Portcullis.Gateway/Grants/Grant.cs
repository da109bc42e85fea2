using System.Collections.Immutable;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Grants;

/// <summary>A named, revocable credential: the token is kept only as its SHA-256 hash.</summary>
internal sealed record Grant
{
    /// <summary>The grant's unique name (shown in audit records and policies).</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the bearer token.</summary>
    public required ImmutableArray<byte> TokenHash { get; init; }

    /// <summary>Servers the grant may call.</summary>
    public required ImmutableHashSet<string> Servers { get; init; }

    /// <summary>Labels visible to policies.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When it stops working, if ever.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>Set once revoked; a revoked grant never works again.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The grant as the policy engine sees it, built once.</summary>
    public PolicyGrant PolicyView => _policyView ??= new PolicyGrant(Name, Labels);

    private PolicyGrant? _policyView;
}
