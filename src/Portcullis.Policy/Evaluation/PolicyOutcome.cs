namespace Portcullis.Policy.Evaluation;

/// <summary>What the policy says about a call.</summary>
public enum PolicyOutcome
{
    /// <summary>Forward the call (after reserving its limits).</summary>
    Allow,

    /// <summary>Refuse the call with the decision's reason.</summary>
    Deny,

    /// <summary>Reserve its limits, then hold the call until a person decides.</summary>
    RequireApproval,
}
