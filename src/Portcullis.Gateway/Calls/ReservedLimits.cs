using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Limits;

namespace Portcullis.Gateway.Calls;

/// <summary>What reserving a call's limits came to.</summary>
internal sealed record ReservedLimits
{
    /// <summary>Nothing to reserve.</summary>
    public static readonly ReservedLimits None = new();

    /// <summary>The reservations taken, to give back if the call never reaches the upstream.</summary>
    public IReadOnlyList<CounterLease> Leases { get; init; } = [];

    /// <summary>The denial when a limit (or, with fail_mode closed, the counter store) refused the call; nothing is then held.</summary>
    public PolicyDecision? Denial { get; init; }

    /// <summary>
    /// How the call's record reads when it goes ahead otherwise than plainly allowed: a shadow
    /// policy's limit that would have denied it, or a limit not counted because the store was down
    /// (fail_mode open). The last such limit says it.
    /// </summary>
    public RecordedAs? RecordAs { get; init; }

    /// <summary>A decision, rule and reason to put on the call's record.</summary>
    public sealed record RecordedAs(string Decision, string RuleId, string Reason);
}
