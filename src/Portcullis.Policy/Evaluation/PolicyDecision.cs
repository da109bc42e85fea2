namespace Portcullis.Policy.Evaluation;

/// <summary>
/// The policy's answer for one call: the outcome, the rule that decided it as a JSON Pointer (or
/// one of <see cref="RuleIds"/>), a reason a person (and a model) can read, the limits to reserve
/// and, when held, the approval it needs. A value type, so deciding allocates nothing.
/// </summary>
public readonly struct PolicyDecision
{
    internal PolicyDecision(PolicyOutcome outcome, string ruleId, string reason, bool isShadow,
        LimitReservations limits = default, ApprovalRequirement? approval = null, TimeSpan? retryAfter = null)
    {
        Outcome = outcome;
        RuleId = ruleId;
        Reason = reason;
        IsShadow = isShadow;
        Limits = limits;
        Approval = approval;
        RetryAfter = retryAfter;
    }

    /// <summary>Allow, deny or require approval. In shadow mode, what would have happened.</summary>
    public PolicyOutcome Outcome { get; }

    /// <summary>The deciding rule.</summary>
    public string RuleId { get; }

    /// <summary>Why, in words.</summary>
    public string Reason { get; }

    /// <summary>True when the policy is in shadow mode: record the decision, do not enforce it.</summary>
    public bool IsShadow { get; }

    /// <summary>Counters to reserve before forwarding (empty unless allowed or held).</summary>
    public LimitReservations Limits { get; }

    /// <summary>The approval the call waits for, when <see cref="Outcome"/> is <see cref="PolicyOutcome.RequireApproval"/>.</summary>
    public ApprovalRequirement? Approval { get; }

    /// <summary>When a denial will lift by itself (a full limit), how long until then.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True when the call must not be forwarded: denied and enforced.</summary>
    public bool Blocks => Outcome == PolicyOutcome.Deny && !IsShadow;

    /// <summary>A denial by <paramref name="ruleId"/>, for callers that refuse a call after the policy allowed or held it.</summary>
    public static PolicyDecision Denied(string ruleId, string reason, bool isShadow = false) =>
        new(PolicyOutcome.Deny, ruleId, reason, isShadow);

    /// <summary>
    /// The denial for a call whose reservation the counter store refused because the limit is
    /// full; the reason says when the window resets.
    /// </summary>
    public static PolicyDecision LimitExceeded(in LimitReservation reservation, DateTimeOffset now, bool isShadow = false)
    {
        var limit = reservation.Limit;
        var retryAfter = reservation.WindowEnd - now;
        if (retryAfter < TimeSpan.Zero)
        {
            retryAfter = TimeSpan.Zero;
        }

        var scope = limit.Scope.ToString().ToLowerInvariant();
        var seconds = (long)Math.Ceiling(retryAfter.TotalSeconds);
        var reason = $"Rate limit '{limit.Counter}' reached: at most {limit.Max} {limit.UnitText} {limit.WindowText} per {scope}. " +
            $"The window resets at {reservation.WindowEnd.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (in {seconds} s).";
        return new PolicyDecision(PolicyOutcome.Deny, limit.RuleId, reason, isShadow, retryAfter: retryAfter);
    }

    /// <summary>
    /// A sliding limit the call would exceed: <paramref name="retryAfter"/> is how long until enough
    /// earlier calls have left the window for this one to fit, null when it never can (its amount alone is over the maximum).
    /// </summary>
    public static PolicyDecision SlidingLimitExceeded(in LimitReservation reservation, DateTimeOffset now, TimeSpan? retryAfter, bool isShadow = false)
    {
        var limit = reservation.Limit;
        var scope = limit.Scope.ToString().ToLowerInvariant();
        var head = $"Rate limit '{limit.Counter}' reached: at most {limit.Max} {limit.UnitText} {limit.WindowText} per {scope}.";
        if (retryAfter is not { } wait)
        {
            return new PolicyDecision(PolicyOutcome.Deny, limit.RuleId, $"{head} This call's {reservation.Amount} {limit.UnitText} alone exceed it.", isShadow);
        }

        wait = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        var at = now + wait;
        var reason = $"{head} The next call fits at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (in {(long)Math.Ceiling(wait.TotalSeconds)} s).";
        return new PolicyDecision(PolicyOutcome.Deny, limit.RuleId, reason, isShadow, retryAfter: wait);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Outcome}{(IsShadow ? " (shadow)" : "")} by {RuleId}: {Reason}";
}
