using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Parsing;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Evaluation;

/// <summary>Compiles a validated <see cref="PolicyDocument"/> into per-tool programs.</summary>
internal static class PolicyCompiler
{
    public static CompiledPolicy Compile(PolicyDocument document)
    {
        var allTools = document.AllTools is { } rule ? new RuleParts(rule, "/all_tools") : null;
        var programs = document.Tools.ToFrozenDictionary(
            pair => pair.Key,
            pair => Build(allTools, new RuleParts(pair.Value, JsonPointer.Append("/tools", pair.Key)), pair.Key),
            StringComparer.Ordinal);
        var fallback = document.Default == DefaultAction.Allow ? Build(allTools, null, null) : null;

        var hiddenNames = document.Hide.Where(h => !Glob.HasWildcards(h)).ToFrozenSet(StringComparer.Ordinal);
        var hiddenGlobs = document.Hide.Where(Glob.HasWildcards).Select(Glob.ToRegex).ToArray();
        return new CompiledPolicy(document, programs, fallback, hiddenNames, hiddenGlobs);
    }

    private static ToolProgram Build(RuleParts? allTools, RuleParts? tool, string? toolName)
    {
        RuleParts[] parts = [.. new[] { allTools, tool }.OfType<RuleParts>()];
        var subject = toolName is null ? "this tool" : $"'{toolName}'";
        return new ToolProgram
        {
            AllowRuleId = tool?.Prefix ?? RuleIds.DefaultAllow,
            AllowReason = tool is null ? $"Allowed: {subject} has no rule and the policy's default is allow." : $"Allowed by {tool.Prefix}.",
            Denial = parts.Select(p => p.Denial(subject)).FirstOrDefault(d => d is not null),
            Validation = Validation(parts),
            Require = [.. parts.SelectMany(p => p.Require)],
            DenyIf = [.. parts.SelectMany(p => p.DenyIf)],
            Limits = [.. parts.SelectMany(p => p.Limits)],
            Approvals = [.. parts.Select(p => p.Approval(subject)).OfType<ApprovalRequirement>()],
        };
    }

    /// <summary>Validation is on when any part turns it on; the server's schema is reported under the most specific such part.</summary>
    private static ArgumentValidation? Validation(RuleParts[] parts)
    {
        var validating = parts.Where(p => p.ValidatesArguments).ToArray();
        return validating.Length == 0
            ? null
            : new ArgumentValidation(validating[^1].Prefix + "/validate_args",
                [.. validating.Where(p => p.OperatorSchema is not null).Select(p => new OperatorSchemaCheck(p.OperatorSchema!, p.Prefix + "/validate_args"))]);
    }

    /// <summary>One rule (a tool's or all_tools') compiled once, so all_tools is shared by every tool.</summary>
    private sealed class RuleParts
    {
        private readonly ToolRule _rule;
        private readonly CompiledCondition[] _approvalWhen;

        public RuleParts(ToolRule rule, string prefix)
        {
            _rule = rule;
            Prefix = prefix;
            Require = [.. rule.Require.Select((spec, i) =>
            {
                var condition = CompiledCondition.Compile(spec);
                return new RuleCheck(condition, JsonPointer.Append(prefix + "/require", i), $"Requirement not met: {condition.Description}.");
            })];
            DenyIf = [.. rule.DenyIf.Select((block, i) =>
            {
                var ruleId = JsonPointer.Append(prefix + "/deny_if", i);
                var conditions = block.Conditions.Select(CompiledCondition.Compile).ToArray();
                var reason = block.OnDeny ?? $"Denied by {ruleId}: {string.Join(" and ", conditions.Select(c => c.Description))}.";
                return new DenyIfCheck(conditions, ruleId, reason);
            })];
            var limits = new List<PolicyLimit>();
            if (rule.RateLimit is { } rateLimit)
            {
                limits.Add(new PolicyLimit(rateLimit, prefix + "/rate_limit"));
            }

            limits.AddRange(rule.Limits.Select((limit, i) => new PolicyLimit(limit, JsonPointer.Append(prefix + "/limits", i))));
            Limits = [.. limits];
            _approvalWhen = rule.Approval is { } approval ? [.. approval.When.Select(CompiledCondition.Compile)] : [];
            ValidatesArguments = rule.ValidateArgs is { Enabled: true };
            OperatorSchema = rule.ValidateArgs is { Enabled: true, Schema: { } schema } ? ArgumentSchema.Parse(schema) : null;
        }

        public bool ValidatesArguments { get; }

        public ArgumentSchema? OperatorSchema { get; }

        public string Prefix { get; }

        public RuleCheck[] Require { get; }

        public DenyIfCheck[] DenyIf { get; }

        public PolicyLimit[] Limits { get; }

        public StaticDenial? Denial(string subject) => _rule.Action == ToolAction.Deny
            ? new StaticDenial(Prefix + "/action", _rule.Reason ?? $"Calls of {subject} are denied by policy.")
            : null;

        public ApprovalRequirement? Approval(string subject)
        {
            if (_rule.Action == ToolAction.RequireApproval)
            {
                return new ApprovalRequirement(Prefix + "/action", _rule.Reason ?? $"Every call of {subject} needs a person's approval.",
                    _rule.Approval, [], always: true);
            }

            if (_rule.Approval is not { } approval)
            {
                return null;
            }

            var reason = _approvalWhen.Length == 0
                ? $"Every call of {subject} needs a person's approval."
                : $"Approval needed because {string.Join(" and ", _approvalWhen.Select(c => c.Description))}.";
            return new ApprovalRequirement(Prefix + "/approval", reason, approval, _approvalWhen, always: _approvalWhen.Length == 0);
        }
    }
}
