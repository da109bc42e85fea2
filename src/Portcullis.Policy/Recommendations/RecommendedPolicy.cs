using Portcullis.Policy.Documents;
using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Recommendations;

/// <summary>
/// The policy recommended for a server whose tools have been classified by risk: everything not
/// named is denied; read tools are allowed; write and execute tools are rate-limited per grant,
/// execute tools with their arguments checked against the server's schema (the product brief's
/// rule for <c>code_generate</c>); destructive tools wait for a person's approval; financial tools
/// wait for approval and are capped per grant as well.
/// </summary>
public static class RecommendedPolicy
{
    /// <summary>Calls a grant may make to one write tool in a minute.</summary>
    public const int WritesPerMinute = 30;

    /// <summary>Calls a grant may make to one execute tool in a minute (the brief's figure for <c>code_generate</c>).</summary>
    public const int ExecutionsPerMinute = 10;

    /// <summary>Calls a grant may make to one financial tool in an hour, approved or not: a ceiling on what a run of approvals can spend.</summary>
    public const int FinancialCallsPerHour = 5;

    private const long Minute = 60;
    private const long Hour = 3600;

    /// <summary>The policy for tools of the given categories: <c>default: deny</c> and one rule per tool.</summary>
    public static PolicyDocument For(IEnumerable<KeyValuePair<string, RiskCategory>> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var rules = new PolicyDocument().Tools.ToBuilder();
        foreach (var (tool, category) in tools)
        {
            rules[tool] = RuleFor(tool, category);
        }

        return new PolicyDocument { Default = DefaultAction.Deny, Tools = rules.ToImmutable() };
    }

    /// <summary>The rule recommended for one tool of <paramref name="category"/>.</summary>
    public static ToolRule RuleFor(string tool, RiskCategory category) => category switch
    {
        RiskCategory.Read => new ToolRule(),
        RiskCategory.Write => new ToolRule { Limits = [PerGrant(tool, Minute, WritesPerMinute)] },
        RiskCategory.Execute => new ToolRule { Limits = [PerGrant(tool, Minute, ExecutionsPerMinute)], ValidateArgs = new ArgumentValidationRule() },
        RiskCategory.Destructive => new ToolRule
        {
            Action = ToolAction.RequireApproval,
            Reason = $"{tool} can destroy data: a person approves each call.",
        },
        RiskCategory.Financial => new ToolRule
        {
            Action = ToolAction.RequireApproval,
            Reason = $"{tool} can move money: a person approves each call.",
            Limits = [PerGrant(tool, Hour, FinancialCallsPerHour)],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "Not a risk category."),
    };

    /// <summary>A limit on a counter of the tool's own, named as the brief names <c>code_generate_rate</c>.</summary>
    private static LimitRule PerGrant(string tool, long windowSeconds, int max) =>
        new() { Counter = tool + "_rate", WindowSeconds = windowSeconds, Max = max, Scope = LimitScope.Grant };
}
