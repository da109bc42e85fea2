using System.Collections.Concurrent;
using System.Collections.Immutable;
using Portcullis.Gateway.State;
using Portcullis.Storage.Grants;

namespace Portcullis.Gateway.Grants;

/// <summary>
/// Run-time grants as last read from the grant store, by the hex of their token hash, so a request
/// reads the store only when the store's change stamp has moved since (a grant revoked, its token
/// replaced, deleted) or was never read. Tokens no grant has are not remembered: a grant created
/// meanwhile is found at its first use. Expiry is not the cache's business: the caller checks it
/// against the clock on every request.
/// </summary>
internal sealed class StoredGrantCache
{
    private readonly ConcurrentDictionary<string, Entry> _grants = new(StringComparer.Ordinal);
    private readonly IGrantStore _store;
    private readonly ChangeStampWatch _changes;
    private long _generation;

    /// <summary>Creates the cache over <paramref name="store"/>, whose change stamp is read on <paramref name="timeProvider"/>'s clock.</summary>
    public StoredGrantCache(IGrantStore store, TimeProvider timeProvider)
    {
        _store = store;
        _changes = new ChangeStampWatch(store.ReadChangeStampAsync, timeProvider);
    }

    /// <summary>
    /// The stored grant whose token hashes to <paramref name="hash"/> (revoked or not), or null.
    /// Throws <see cref="Storage.StoreUnavailableException"/> when the store cannot answer and no
    /// copy may be served.
    /// </summary>
    public async ValueTask<Grant?> FindAsync(byte[] hash, string key, CancellationToken cancellationToken)
    {
        var generation = await _changes.GenerationAsync(cancellationToken).ConfigureAwait(false);
        if (generation is { } current && _grants.TryGetValue(key, out var cached) && cached.Generation == current)
        {
            return cached.Grant;
        }

        var stored = await _store.FindByTokenHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var grant = new Grant
        {
            Name = stored.Name,
            TokenHash = stored.TokenHash,
            Servers = stored.Servers.ToImmutableHashSet(StringComparer.Ordinal),
            Labels = stored.Labels,
            Expires = stored.Expires,
            RevokedAt = stored.RevokedAt,
        };
        if (generation is { } readUnder)
        {
            Remember(key, grant, readUnder);
        }

        return grant;
    }

    private void Remember(string key, Grant grant, long generation)
    {
        var known = Volatile.Read(ref _generation);
        if (generation > known && Interlocked.CompareExchange(ref _generation, generation, known) == known)
        {
            // Copies of older generations are never served again; dropping them keeps rotated tokens from piling up.
            _grants.Clear();
        }

        _grants[key] = new Entry(grant, generation);
    }

    private sealed record Entry(Grant Grant, long Generation);
}
