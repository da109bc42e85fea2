using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.State;
using Portcullis.Storage;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Sessions;

/// <summary>
/// Gateway sessions: kept in the shared store so any instance can serve them, bound to the grant
/// and server that opened them. The sessions this instance has seen are also remembered locally.
/// A remembered session is served without reading the store while the store's change stamp has
/// not moved since it was read (no session ended anywhere, <see cref="ChangeStampWatch"/>) and its
/// last-used time is fresher than <see cref="ISessionStore.TouchGranularity"/>; otherwise the
/// store is read, which also keeps the stored last-used time current for the idle sweep. While the
/// store is unreachable remembered sessions keep working here (sessions carry no authority: every
/// request is still authenticated by its grant). Sessions opened during an outage are written to
/// the store when it returns.
/// </summary>
internal sealed class SessionRegistry
{
    private readonly ISessionStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly StoreOutage _outage;
    private readonly ChangeStampWatch _changes;
    private readonly ConcurrentDictionary<string, LocalSession> _local = new(StringComparer.Ordinal);

    /// <summary>Sessions this instance has served and not seen end.</summary>
    public int LocalCount => _local.Count;

    /// <summary>Creates the registry over a store.</summary>
    public SessionRegistry(ISessionStore store, TimeProvider timeProvider, ILogger<SessionRegistry> logger)
    {
        _store = store;
        _timeProvider = timeProvider;
        _outage = new StoreOutage("session store", logger);
        _changes = new ChangeStampWatch(store.ReadChangeStampAsync, timeProvider);
    }

    /// <summary>Opens a session with a fresh id.</summary>
    public async ValueTask<StoredSession> CreateAsync(string grantName, string serverId, string? upstreamSessionId, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var session = new StoredSession
        {
            Id = "pcs_" + GrantRegistry.Base64Url(RandomNumberGenerator.GetBytes(32)),
            GrantName = grantName,
            ServerId = serverId,
            UpstreamSessionId = upstreamSessionId,
            CreatedAt = now,
            LastUsedAt = now,
        };
        var generation = await _changes.GenerationAsync(cancellationToken).ConfigureAwait(false);
        var stored = await TryStoreAsync(session, cancellationToken).ConfigureAwait(false);
        // Written after the generation was read, so the copy is as current as one read from the store.
        _local[session.Id] = new LocalSession(session, pendingWrite: !stored, stored ? generation : null);
        return session;
    }

    /// <summary>
    /// The session with this id if it belongs to this grant and server. A session of another
    /// grant is reported exactly like an unknown one, so ids cannot be probed.
    /// </summary>
    public async ValueTask<StoredSession?> FindAsync(string id, string grantName, string serverId, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var generation = await _changes.GenerationAsync(cancellationToken).ConfigureAwait(false);
        if (generation is { } current && _local.TryGetValue(id, out var cached) && cached.IsCurrent(current, now))
        {
            return Matches(cached.Session, grantName, serverId) ? cached.Session : null;
        }

        StoredSession? session;
        try
        {
            session = await _store.FindAsync(id, now, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            session = _local.TryGetValue(id, out var remembered) ? remembered.Touch(now) : null;
            return Matches(session, grantName, serverId) ? session : null;
        }

        if (session is null && _local.TryGetValue(id, out var local))
        {
            if (local.PendingWrite && await TryStoreAsync(local.Touch(now), cancellationToken).ConfigureAwait(false))
            {
                // Opened here while the store was down: now it is shared.
                local.PendingWrite = false;
                session = local.Session;
            }
            else if (!local.PendingWrite)
            {
                // Ended elsewhere (another instance, or its idle sweep).
                _local.TryRemove(id, out _);
            }
            else
            {
                session = local.Session;
            }
        }
        else if (session is not null)
        {
            _local.AddOrUpdate(id, _ => new LocalSession(session, pendingWrite: false, generation),
                (_, existing) => existing.Replace(session, generation));
        }

        return Matches(session, grantName, serverId) ? session : null;
    }

    /// <summary>Ends a session everywhere.</summary>
    public async ValueTask RemoveAsync(string id, CancellationToken cancellationToken)
    {
        _local.TryRemove(id, out _);
        try
        {
            await _store.RemoveAsync(id, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (StoreUnavailableException e)
        {
            // The stored copy ends with the idle sweep once the store is back.
            _outage.Failed(e);
        }
    }

    /// <summary>Ends and returns the sessions no request has used for <paramref name="idleTimeout"/> (each returned to one instance only).</summary>
    public async ValueTask<IReadOnlyList<StoredSession>> RemoveIdleAsync(TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var cutoff = _timeProvider.GetUtcNow() - idleTimeout;
        foreach (var (id, local) in _local)
        {
            if (local.Session.LastUsedAt < cutoff && !local.PendingWrite)
            {
                _local.TryRemove(id, out _);
            }
        }

        try
        {
            var removed = await _store.RemoveIdleAsync(cutoff, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
            return removed;
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            return [];
        }
    }

    private static bool Matches(StoredSession? session, string grantName, string serverId) =>
        session is not null && session.GrantName == grantName && session.ServerId == serverId;

    private async ValueTask<bool> TryStoreAsync(StoredSession session, CancellationToken cancellationToken)
    {
        try
        {
            await _store.CreateAsync(session, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
            return true;
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            return false;
        }
    }

    /// <summary>A session as this instance last saw it.</summary>
    private sealed class LocalSession(StoredSession session, bool pendingWrite, long? generation = null)
    {
        public StoredSession Session { get; private set; } = session;

        /// <summary>Opened during an outage and not yet in the store.</summary>
        public bool PendingWrite { get; set; } = pendingWrite;

        /// <summary>The generation of the store's change stamp the session was last read under; null when it was not read from the store.</summary>
        private long? Generation { get; set; } = generation;

        /// <summary>Whether this copy may be served without reading the store.</summary>
        public bool IsCurrent(long generation, DateTimeOffset now) =>
            !PendingWrite && Generation == generation && now - Session.LastUsedAt < ISessionStore.TouchGranularity;

        public StoredSession Touch(DateTimeOffset now)
        {
            Session = Session with { LastUsedAt = now };
            return Session;
        }

        public LocalSession Replace(StoredSession stored, long? generation)
        {
            Session = stored;
            Generation = generation;
            return this;
        }
    }
}
