using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Grants;

namespace Portcullis.Gateway.Grants;

/// <summary>
/// The grants the gateway accepts, keyed by the SHA-256 of their tokens: the configured ones, then
/// the run-time ones of the grant store (through <see cref="StoredGrantCache"/>, read again once
/// the store says they changed). Tokens are never stored; the hash found by lookup is compared
/// again in constant time before use, and expiry and revocation are checked on every request.
/// </summary>
internal sealed class GrantRegistry
{
    private readonly ConcurrentDictionary<string, Grant> _byHash = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly StoredGrantCache _stored;

    /// <summary>Creates a registry holding the configured grants and the grants created at run time in <paramref name="store"/>.</summary>
    public GrantRegistry(IEnumerable<GrantConfig> grants, TimeProvider timeProvider, IGrantStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _timeProvider = timeProvider;
        _stored = new StoredGrantCache(store, timeProvider);
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

    /// <summary>Checks a raw <c>Authorization</c> header value for a server: configured grants first, then the store.</summary>
    public async ValueTask<GrantCheck> CheckAsync(string? authorization, string serverId, CancellationToken cancellationToken = default)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length
            || authorization.AsSpan(scheme.Length).Trim().IsEmpty)
        {
            return new GrantCheck(GrantCheckStatus.MissingToken, null);
        }

        var hash = Hash(authorization[scheme.Length..].Trim());
        var key = Convert.ToHexString(hash);
        if (!_byHash.TryGetValue(key, out var grant))
        {
            grant = await _stored.FindAsync(hash, key, cancellationToken).ConfigureAwait(false);
        }

        if (grant is null || !CryptographicOperations.FixedTimeEquals(hash, grant.TokenHash.AsSpan()))
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

    /// <summary>SHA-256 of a token: the only form in which tokens are kept.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>A new random token: 32 bytes from the CSPRNG, base64url, with a recognisable prefix.</summary>
    public static string NewToken() => "pcg_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
