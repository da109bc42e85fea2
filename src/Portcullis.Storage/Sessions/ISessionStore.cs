namespace Portcullis.Storage.Sessions;

/// <summary>
/// Gateway sessions, so that a client whose requests reach different gateway instances keeps its
/// session and its upstream session. A store that cannot answer throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface ISessionStore
{
    /// <summary>How stale a session's last-used time may get before a lookup writes it again (bounds writes per request).</summary>
    static TimeSpan TouchGranularity => TimeSpan.FromSeconds(5);

    /// <summary>Adds a new session.</summary>
    ValueTask CreateAsync(StoredSession session, CancellationToken cancellationToken = default);

    /// <summary>The session with this id, marked as used at <paramref name="now"/>; null when there is none.</summary>
    ValueTask<StoredSession?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ends a session; false when there was none.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the sessions last used before <paramref name="cutoff"/> and returns them. Each ended
    /// session is returned to exactly one caller, even when several gateways sweep at once.
    /// </summary>
    ValueTask<IReadOnlyList<StoredSession>> RemoveIdleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>
    /// A number the store moves whenever a session ends (removed, swept as idle), whoever ended it,
    /// so an instance that keeps copies of sessions learns when to read them again. Only equality
    /// matters; marking a session used does not move it. Throws <see cref="StoreUnavailableException"/>
    /// when the store cannot answer.
    /// </summary>
    ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default);
}
