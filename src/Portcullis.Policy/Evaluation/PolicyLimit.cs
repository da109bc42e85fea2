using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Evaluation;

/// <summary>A limit of a compiled policy, with the rule id it was declared at.</summary>
public sealed class PolicyLimit
{
    internal PolicyLimit(LimitRule rule, string ruleId)
    {
        Counter = rule.Counter;
        WindowSeconds = rule.WindowSeconds;
        Max = rule.Max;
        Scope = rule.Scope;
        Algorithm = rule.Algorithm;
        RuleId = ruleId;
        IncrementFrom = rule.IncrementFrom is { } path && ConditionPath.TryParse(path, out var parsed, out _) ? parsed : null;
        InvalidAmountReason = rule.IncrementFrom is null
            ? ""
            : $"Limit '{Counter}' counts {rule.IncrementFrom}, which must be a whole number ≥ 0 (rule {ruleId}).";
    }

    /// <summary>The counter's name.</summary>
    public string Counter { get; }

    /// <summary>The window length in seconds.</summary>
    public long WindowSeconds { get; }

    /// <summary>The most calls or units per window.</summary>
    public long Max { get; }

    /// <summary>Whose calls count together.</summary>
    public LimitScope Scope { get; }

    /// <summary>Fixed windows aligned to the clock, or a sliding window.</summary>
    public LimitAlgorithm Algorithm { get; }

    /// <summary>JSON Pointer of the limit in the policy, e.g. <c>/tools/code_generate/limits/0</c>.</summary>
    public string RuleId { get; }

    internal ConditionPath? IncrementFrom { get; }

    internal string InvalidAmountReason { get; }

    /// <summary>The amount a call adds: 1, or the whole, non-negative number at <c>increment_from</c>.</summary>
    internal bool TryGetAmount(in EvaluationContext context, out long amount)
    {
        amount = 1;
        if (IncrementFrom is null)
        {
            return true;
        }

        var operand = IncrementFrom.Resolve(context);
        if (operand.Kind != OperandKind.Number || !operand.Number.IsDecimal)
        {
            return false;
        }

        var value = operand.Number.Decimal;
        if (value < 0 || value != decimal.Truncate(value) || value > long.MaxValue)
        {
            return false;
        }

        amount = (long)value;
        return true;
    }

    /// <summary>What the counter counts: "calls", or "units" for a value quota.</summary>
    internal string UnitText => IncrementFrom is null ? "calls" : "units";

    /// <summary>"per minute", "per hour", or "per 90 s"; "in any minute" and so on for a sliding window.</summary>
    internal string WindowText => (Algorithm == LimitAlgorithm.Sliding ? "in any " : "per ") + (WindowSeconds switch
    {
        1 => "second",
        60 => "minute",
        3600 => "hour",
        86400 => "day",
        _ => $"{WindowSeconds} s",
    });
}
