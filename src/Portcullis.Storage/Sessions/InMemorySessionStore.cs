using System.Collections.Concurrent;

namespace Portcullis.Storage.Sessions;

/// <summary>Sessions in this process's memory: for one instance and for tests; lost on restart.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, StoredSession> _sessions = new(StringComparer.Ordinal);
    private long _changeStamp;

    /// <summary>How many sessions are open.</summary>
    public int Count => _sessions.Count;

    /// <inheritdoc />
    public ValueTask CreateAsync(StoredSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!_sessions.TryAdd(session.Id, session))
        {
            throw new InvalidOperationException($"Session '{session.Id}' already exists.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<StoredSession?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        while (_sessions.TryGetValue(id, out var session))
        {
            if (now - session.LastUsedAt < ISessionStore.TouchGranularity)
            {
                return ValueTask.FromResult<StoredSession?>(session);
            }

            var touched = session with { LastUsedAt = now };
            if (_sessions.TryUpdate(id, touched, session))
            {
                return ValueTask.FromResult<StoredSession?>(touched);
            }
        }

        return ValueTask.FromResult<StoredSession?>(null);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        var removed = _sessions.TryRemove(id, out _);
        if (removed)
        {
            Interlocked.Increment(ref _changeStamp);
        }

        return ValueTask.FromResult(removed);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredSession>> RemoveIdleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var removed = new List<StoredSession>();
        foreach (var (id, session) in _sessions)
        {
            if (session.LastUsedAt < cutoff && _sessions.TryRemove(new KeyValuePair<string, StoredSession>(id, session)))
            {
                removed.Add(session);
                Interlocked.Increment(ref _changeStamp);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<StoredSession>>(removed);
    }

    /// <inheritdoc />
    public ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Interlocked.Read(ref _changeStamp));
}
