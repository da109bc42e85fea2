using System.Collections.Immutable;

namespace Portcullis.Policy.Documents;

/// <summary>When a call is held for a person, and for how long.</summary>
public sealed record ApprovalRule
{
    /// <summary>The default time a held call waits.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Conditions that must all hold for the call to be held; empty means every call.</summary>
    public ImmutableArray<ConditionSpec> When { get; init; } = [];

    /// <summary>How long a held call waits for a decision.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>What happens when nobody decides in time.</summary>
    public TimeoutAction OnTimeout { get; init; } = TimeoutAction.Deny;

    /// <summary>How long an approval lets identical calls (same grant, tool and arguments) through without asking again; null asks every time.</summary>
    public TimeSpan? Remember { get; init; }

    /// <summary>Where pending approvals are announced, if anywhere.</summary>
    public ApprovalWebhook? Webhook { get; init; }
}

/// <summary>An endpoint told of every pending approval, with requests signed by HMAC-SHA256.</summary>
/// <param name="Url">The URL the gateway POSTs to: https, or http only to a private address with <see cref="AllowPrivate"/>.</param>
/// <param name="Secret">The signing secret, or <c>env:NAME</c> for one the gateway reads from its environment.</param>
public sealed record ApprovalWebhook(string Url, string Secret)
{
    /// <summary>
    /// Whether the URL may lead to a loopback, private, link-local or other non-public address
    /// (and then over http as well as https). False by default: such a target is refused, so a
    /// policy cannot point the gateway at its own host, its network or a metadata service.
    /// </summary>
    public bool AllowPrivate { get; init; }
}
