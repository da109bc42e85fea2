using Portcullis.Policy.Conditions;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Evaluation;

/// <summary>A condition with the rule id and denial reason it reports.</summary>
internal sealed record RuleCheck(CompiledCondition Condition, string RuleId, string Reason);

/// <summary>A <c>deny_if</c> block, compiled.</summary>
internal sealed record DenyIfCheck(CompiledCondition[] Conditions, string RuleId, string Reason);

/// <summary>An operator's <c>validate_args</c> schema, with the rule it came from.</summary>
internal sealed record OperatorSchemaCheck(ArgumentSchema Schema, string RuleId);

/// <summary>
/// <c>validate_args</c> merged over the tool's rule and <c>all_tools</c>: the server's schema
/// (failures reported under <see cref="RuleId"/>) and every schema the operator added.
/// </summary>
internal sealed record ArgumentValidation(string RuleId, OperatorSchemaCheck[] OperatorSchemas);

/// <summary>An <c>action: deny</c>, with its reason.</summary>
internal sealed record StaticDenial(string RuleId, string Reason);

/// <summary>
/// Everything that applies to one tool, <c>all_tools</c> merged in, in the order the pipeline
/// checks it. Built once per tool when a policy is compiled, so deciding only walks arrays.
/// </summary>
internal sealed class ToolProgram
{
    public required string AllowRuleId { get; init; }

    public required string AllowReason { get; init; }

    public StaticDenial? Denial { get; init; }

    public ArgumentValidation? Validation { get; init; }

    public RuleCheck[] Require { get; init; } = [];

    public DenyIfCheck[] DenyIf { get; init; } = [];

    public PolicyLimit[] Limits { get; init; } = [];

    public ApprovalRequirement[] Approvals { get; init; } = [];

    /// <summary>What of a call the checks after <see cref="Denial"/> read.</summary>
    public CallInputs Inputs
    {
        get
        {
            var conditions = Require.Select(r => r.Condition)
                .Concat(DenyIf.SelectMany(d => d.Conditions))
                .Concat(Approvals.SelectMany(a => a.When));
            var inputs = CallInputs.None;
            foreach (var condition in conditions)
            {
                inputs |= condition.Path.Root switch
                {
                    PathRoot.Args => CallInputs.Arguments,
                    PathRoot.GrantLabel => CallInputs.GrantLabels,
                    _ => CallInputs.None,
                };
            }

            if (Limits.Any(l => l.IncrementFrom is not null))
            {
                inputs |= CallInputs.Arguments;
            }

            if (Validation is not null)
            {
                inputs |= CallInputs.Arguments | CallInputs.InputSchema;
            }

            return inputs;
        }
    }
}
