namespace Portcullis.Policy.Evaluation;

/// <summary>The rule ids that do not point into the policy document.</summary>
public static class RuleIds
{
    /// <summary>The tool matched an entry of <c>hide</c>.</summary>
    public const string Hidden = "(hidden)";

    /// <summary>The tool has no entry and the policy's default is deny.</summary>
    public const string DefaultDeny = "(default deny)";

    /// <summary>The tool has no entry and the policy's default is allow.</summary>
    public const string DefaultAllow = "(default allow)";

    /// <summary>The call came without a valid grant.</summary>
    public const string NoGrant = "(no grant)";
}
