namespace Portcullis.Policy.Evaluation;

/// <summary>How one checked rule came out.</summary>
public enum ExplainResult
{
    /// <summary>The rule let the call through.</summary>
    Passed,

    /// <summary>The rule denied the call.</summary>
    Denied,

    /// <summary>The rule holds the call for approval.</summary>
    HeldForApproval,

    /// <summary>The rule did not apply to this call (e.g. approval conditions that did not hold).</summary>
    NotApplicable,

    /// <summary>A limit the call will reserve; whether it fits is the counter store's answer.</summary>
    Reserves,
}

/// <summary>One rule checked while deciding a call, in the order it was checked.</summary>
/// <param name="RuleId">The rule's JSON Pointer or special id.</param>
/// <param name="Check">What was checked, e.g. <c>args.language in ["bash"]</c>.</param>
/// <param name="Result">How it came out.</param>
public sealed record ExplainStep(string RuleId, string Check, ExplainResult Result);
