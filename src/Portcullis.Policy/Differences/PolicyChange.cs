namespace Portcullis.Policy.Differences;

/// <summary>One way two policies decide differently.</summary>
/// <param name="Subject">What it concerns: a tool's name, <see cref="PolicyDiff.PolicySubject"/>, <see cref="PolicyDiff.AllToolsSubject"/> or <see cref="PolicyDiff.UnlistedSubject"/>.</param>
/// <param name="Kind">A stable word for machines (<see cref="PolicyChangeKinds"/>).</param>
/// <param name="Detail">What changed, in words, old → new.</param>
public sealed record PolicyChange(string Subject, string Kind, string Detail);

/// <summary>The kinds of <see cref="PolicyChange"/>.</summary>
public static class PolicyChangeKinds
{
    /// <summary><c>default</c> changed.</summary>
    public const string Default = "default_changed";

    /// <summary><c>mode</c> changed.</summary>
    public const string Mode = "mode_changed";

    /// <summary><c>audit_args</c> changed.</summary>
    public const string AuditArgs = "audit_args_changed";

    /// <summary>An entry added to <c>hide</c>.</summary>
    public const string HideAdded = "hide_added";

    /// <summary>An entry removed from <c>hide</c>.</summary>
    public const string HideRemoved = "hide_removed";

    /// <summary>Calls that went through (perhaps under conditions) are now denied outright.</summary>
    public const string NewlyDenied = "newly_denied";

    /// <summary>Calls that were denied outright may now go through.</summary>
    public const string NewlyAllowed = "newly_allowed";

    /// <summary>The tool is now hidden.</summary>
    public const string NewlyHidden = "newly_hidden";

    /// <summary>The tool is no longer hidden.</summary>
    public const string NoLongerHidden = "no_longer_hidden";

    /// <summary>Calls are now held for approval (always or under conditions).</summary>
    public const string ApprovalAdded = "approval_added";

    /// <summary>Calls are no longer held for approval.</summary>
    public const string ApprovalRemoved = "approval_removed";

    /// <summary>When or how long calls are held changed.</summary>
    public const string ApprovalChanged = "approval_changed";

    /// <summary>A limit was added.</summary>
    public const string LimitAdded = "limit_added";

    /// <summary>A limit was removed.</summary>
    public const string LimitRemoved = "limit_removed";

    /// <summary>A limit's max, window, scope or increment changed.</summary>
    public const string LimitChanged = "limit_changed";

    /// <summary>A <c>require</c> condition or a <c>deny_if</c> block was added, removed or changed.</summary>
    public const string ConditionsChanged = "conditions_changed";

    /// <summary><c>validate_args</c> was turned on or off, or its schema changed.</summary>
    public const string ValidateArgsChanged = "validate_args_changed";

    /// <summary>The reason given for a denial changed (the decision did not).</summary>
    public const string ReasonChanged = "reason_changed";
}
