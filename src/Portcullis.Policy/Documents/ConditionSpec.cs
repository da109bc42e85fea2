using System.Text.Json;

namespace Portcullis.Policy.Documents;

/// <summary>One condition as written: <c>{path, op, value}</c>.</summary>
/// <param name="Path">What to test, e.g. <c>args.language</c> or <c>grant.labels.team</c>.</param>
/// <param name="Op">How to test it.</param>
/// <param name="Value">What to test against; absent for <c>exists</c>/<c>not_exists</c>.</param>
public sealed record ConditionSpec(string Path, ConditionOperator Op, JsonElement? Value);
