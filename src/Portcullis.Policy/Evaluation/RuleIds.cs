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

    /// <summary>
    /// Whether <paramref name="ruleId"/> is a rule of <paramref name="document"/> that holds calls
    /// for approval (an <c>approval</c> block, or <c>action: require_approval</c>) rather than one
    /// that denies them: a shadow-mode record says only "would have been stopped" for both.
    /// </summary>
    public static bool HoldsForApproval(Documents.PolicyDocument document, string ruleId)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(ruleId);
        if (ruleId.EndsWith("/approval", StringComparison.Ordinal))
        {
            return true;
        }

        if (!ruleId.EndsWith("/action", StringComparison.Ordinal))
        {
            return false;
        }

        var owner = ruleId[..^"/action".Length];
        var rule = owner == "/all_tools"
            ? document.AllTools
            : owner.StartsWith("/tools/", StringComparison.Ordinal)
                ? document.Tools.GetValueOrDefault(owner["/tools/".Length..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
                : null;
        return rule?.Action == Documents.ToolAction.RequireApproval;
    }
}
