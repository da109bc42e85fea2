using System.Collections.Concurrent;
using System.Security.Cryptography;
using Portcullis.Gateway.Grants;

namespace Portcullis.Gateway.Sessions;

/// <summary>Gateway sessions held in this process.</summary>
public sealed class SessionStore(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);

    /// <summary>How many sessions are open.</summary>
    public int Count => _sessions.Count;

    /// <summary>Opens a session with a fresh id.</summary>
    public GatewaySession Create(string grantName, string serverId, string? upstreamSessionId)
    {
        var session = new GatewaySession
        {
            Id = "pcs_" + GrantRegistry.Base64Url(RandomNumberGenerator.GetBytes(32)),
            GrantName = grantName,
            ServerId = serverId,
            UpstreamSessionId = upstreamSessionId,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        session.LastUsedTicks = session.CreatedAt.UtcTicks;
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>
    /// The session with this id if it belongs to this grant and server. A session of another
    /// grant is reported exactly like an unknown one, so ids cannot be probed.
    /// </summary>
    public GatewaySession? Find(string id, string grantName, string serverId)
    {
        if (!_sessions.TryGetValue(id, out var session) || session.GrantName != grantName || session.ServerId != serverId)
        {
            return null;
        }

        Interlocked.Exchange(ref session.LastUsedTicks, timeProvider.GetUtcNow().UtcTicks);
        return session;
    }

    /// <summary>Ends and returns the sessions no request has used for <paramref name="idleTimeout"/>.</summary>
    public IReadOnlyList<GatewaySession> RemoveIdle(TimeSpan idleTimeout)
    {
        var cutoff = (timeProvider.GetUtcNow() - idleTimeout).UtcTicks;
        var removed = new List<GatewaySession>();
        foreach (var (id, session) in _sessions)
        {
            if (Interlocked.Read(ref session.LastUsedTicks) < cutoff && _sessions.TryRemove(id, out _))
            {
                removed.Add(session);
            }
        }

        return removed;
    }

    /// <summary>Ends a session.</summary>
    public bool Remove(string id) => _sessions.TryRemove(id, out _);
}
