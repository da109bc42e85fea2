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
}
