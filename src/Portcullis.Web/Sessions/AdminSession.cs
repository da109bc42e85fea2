using Portcullis.Gateway.Configuration;

namespace Portcullis.Web.Sessions;

/// <summary>A signed-in admin: the server-side state behind the session cookie.</summary>
internal sealed class AdminSession(string id, string name, AdminRole role, DateTimeOffset now)
{
    private readonly Lock _lock = new();
    private AdminNotice? _notice;
    private string? _secret;

    /// <summary>The random id the cookie carries.</summary>
    public string Id { get; } = id;

    /// <summary>The admin's name from the configuration, recorded as the actor of every change.</summary>
    public string Name { get; } = name;

    /// <summary>What the admin may do.</summary>
    public AdminRole Role { get; } = role;

    /// <summary>When the session was last used; it ends after <see cref="AdminSessionStore.IdleTimeout"/> without use.</summary>
    public DateTimeOffset LastSeen { get; set; } = now;

    /// <summary>Leaves a one-line outcome for the next page shown (post, redirect, get).</summary>
    public void SetNotice(AdminNotice notice)
    {
        lock (_lock)
        {
            _notice = notice;
        }
    }

    /// <summary>The outcome left by the last action, once.</summary>
    public AdminNotice? TakeNotice()
    {
        lock (_lock)
        {
            var notice = _notice;
            _notice = null;
            return notice;
        }
    }

    /// <summary>Keeps a new token until the next page shows it; it is never stored elsewhere.</summary>
    public void SetSecret(string secret)
    {
        lock (_lock)
        {
            _secret = secret;
        }
    }

    /// <summary>The new token left by the last action, once.</summary>
    public string? TakeSecret()
    {
        lock (_lock)
        {
            var secret = _secret;
            _secret = null;
            return secret;
        }
    }
}
