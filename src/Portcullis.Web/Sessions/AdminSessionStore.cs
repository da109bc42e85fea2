using System.Collections.Concurrent;
using System.Security.Cryptography;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Web.Sessions;

/// <summary>
/// Admin UI sessions, kept in this process: a session id is 256 random bits, and a session
/// ends after <see cref="IdleTimeout"/> without a request or when its admin signs out.
/// </summary>
internal sealed class AdminSessionStore(TimeProvider timeProvider)
{
    /// <summary>How long a session may go unused.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, AdminSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for an admin who presented a valid token.</summary>
    public AdminSession Start(string name, AdminRole role)
    {
        RemoveIdle();
        var session = new AdminSession(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            name, role, timeProvider.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session with <paramref name="id"/>, marked as used now; null when unknown or idle too long.</summary>
    public AdminSession? Use(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        if (now - session.LastSeen >= IdleTimeout)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.LastSeen = now;
        return session;
    }

    /// <summary>Ends a session (sign-out).</summary>
    public void End(string id) => _sessions.TryRemove(id, out _);

    private void RemoveIdle()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (now - session.LastSeen >= IdleTimeout)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }
}
