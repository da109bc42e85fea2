using System.Collections.Frozen;

namespace Portcullis.Policy.Documents;

/// <summary>The spelling of each <see cref="ConditionOperator"/> in a policy document.</summary>
public static class ConditionOperatorNames
{
    private static readonly FrozenDictionary<string, ConditionOperator> s_byName = new Dictionary<string, ConditionOperator>
    {
        ["eq"] = ConditionOperator.Eq,
        ["neq"] = ConditionOperator.Neq,
        ["in"] = ConditionOperator.In,
        ["not_in"] = ConditionOperator.NotIn,
        ["lt"] = ConditionOperator.Lt,
        ["lte"] = ConditionOperator.Lte,
        ["gt"] = ConditionOperator.Gt,
        ["gte"] = ConditionOperator.Gte,
        ["regex"] = ConditionOperator.Regex,
        ["glob"] = ConditionOperator.Glob,
        ["contains"] = ConditionOperator.Contains,
        ["starts_with"] = ConditionOperator.StartsWith,
        ["ends_with"] = ConditionOperator.EndsWith,
        ["exists"] = ConditionOperator.Exists,
        ["not_exists"] = ConditionOperator.NotExists,
        ["max_length"] = ConditionOperator.MaxLength,
        ["path_under"] = ConditionOperator.PathUnder,
        ["path_not_under"] = ConditionOperator.PathNotUnder,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<ConditionOperator, string> s_byOperator =
        s_byName.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>Every operator name, for validation messages.</summary>
    public static IReadOnlyCollection<string> All => s_byName.Keys;

    /// <summary>Looks up an operator by its exact (lower-case) name.</summary>
    public static bool TryParse(string name, out ConditionOperator op) => s_byName.TryGetValue(name, out op);

    /// <summary>The name an operator is written with.</summary>
    public static string NameOf(ConditionOperator op) => s_byOperator[op];
}
