using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Grants;

/// <summary>
/// The grants the gateway accepts, keyed by the SHA-256 of their tokens. Tokens are never
/// stored; the hash found by lookup is compared again in constant time before use.
/// </summary>
public sealed class GrantRegistry
{
    private readonly ConcurrentDictionary<string, Grant> _byHash = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a registry holding the configured grants.</summary>
    public GrantRegistry(IEnumerable<GrantConfig> grants, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        foreach (var grant in grants)
        {
            Add(grant.Name, grant.Token, grant.Servers, grant.Labels, grant.Expires);
        }
    }

    /// <summary>Adds a grant for a token; the token itself is not kept.</summary>
    public Grant Add(string name, string token, IEnumerable<string> servers, IReadOnlyDictionary<string, string>? labels = null, DateTimeOffset? expires = null)
    {
        var hash = Hash(token);
        var grant = new Grant
        {
            Name = name,
            TokenHash = [.. hash],
            Servers = servers.ToImmutableHashSet(StringComparer.Ordinal),
            Labels = (labels ?? ImmutableDictionary<string, string>.Empty).ToImmutableDictionary(StringComparer.Ordinal),
            Expires = expires,
        };
        if (!_byHash.TryAdd(Convert.ToHexString(hash), grant))
        {
            throw new InvalidOperationException($"Grant '{name}' reuses another grant's token.");
        }

        return grant;
    }

    /// <summary>Revokes a grant by name; takes effect on the next request.</summary>
    public bool Revoke(string name)
    {
        foreach (var (key, grant) in _byHash)
        {
            if (grant.Name == name && grant.RevokedAt is null)
            {
                _byHash[key] = grant with { RevokedAt = _timeProvider.GetUtcNow() };
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks a raw <c>Authorization</c> header value for a server.</summary>
    public GrantCheck Check(string? authorization, string serverId)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length
            || authorization.AsSpan(scheme.Length).Trim().IsEmpty)
        {
            return new GrantCheck(GrantCheckStatus.MissingToken, null);
        }

        var hash = Hash(authorization[scheme.Length..].Trim());
        if (!_byHash.TryGetValue(Convert.ToHexString(hash), out var grant)
            || !CryptographicOperations.FixedTimeEquals(hash, grant.TokenHash.AsSpan()))
        {
            return new GrantCheck(GrantCheckStatus.UnknownToken, null);
        }

        if (grant.RevokedAt is not null)
        {
            return new GrantCheck(GrantCheckStatus.Revoked, grant);
        }

        if (grant.Expires is { } expires && expires <= _timeProvider.GetUtcNow())
        {
            return new GrantCheck(GrantCheckStatus.Expired, grant);
        }

        return grant.Servers.Contains(serverId)
            ? new GrantCheck(GrantCheckStatus.Accepted, grant)
            : new GrantCheck(GrantCheckStatus.WrongServer, grant);
    }

    /// <summary>A new random token: 32 bytes from the CSPRNG, base64url, with a recognisable prefix.</summary>
    public static string NewToken() => "pcg_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
