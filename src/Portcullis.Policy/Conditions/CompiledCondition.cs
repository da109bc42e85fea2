using System.Text.Json;
using System.Text.RegularExpressions;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Conditions;

/// <summary>
/// A condition compiled once from its <see cref="ConditionSpec"/>: the path is parsed, literals
/// are converted, regexes and globs are built. Evaluating it does no parsing and no reflection.
/// </summary>
internal abstract class CompiledCondition
{
    /// <summary>How long one regex match may run before the condition counts as an error.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    protected CompiledCondition(ConditionPath path, ConditionSpec spec)
    {
        Path = path;
        Description = Describe(spec);
    }

    public ConditionPath Path { get; }

    /// <summary>The condition as a person reads it, e.g. <c>args.language in ["bash","powershell"]</c>.</summary>
    public string Description { get; }

    /// <summary>Evaluates the condition; for <see cref="ConditionOutcome.Error"/>, <paramref name="problem"/> says why, naming the path.</summary>
    public ConditionOutcome Evaluate(in EvaluationContext context, out string? problem)
    {
        problem = null;
        var operand = Path.Resolve(context);
        if (operand.Kind == OperandKind.Missing)
        {
            return MissingOutcome;
        }

        try
        {
            return Decide(operand, out problem);
        }
        catch (RegexMatchTimeoutException)
        {
            problem = $"{Path.Text}: a regular expression ran out of time";
            return ConditionOutcome.Error;
        }
    }

    /// <summary>A missing path fails every operator but <c>not_exists</c>.</summary>
    protected virtual ConditionOutcome MissingOutcome => ConditionOutcome.False;

    protected abstract bool Test(in Operand operand);

    /// <summary>True or false by <see cref="Test"/>; an operator that can refuse a value overrides this to say why.</summary>
    protected virtual ConditionOutcome Decide(in Operand operand, out string? problem)
    {
        problem = null;
        return Test(operand) ? ConditionOutcome.True : ConditionOutcome.False;
    }

    /// <summary>Compiles a validated spec. The binder has already rejected anything that would fail here.</summary>
    public static CompiledCondition Compile(ConditionSpec spec)
    {
        if (!ConditionPath.TryParse(spec.Path, out var path, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var value = spec.Value ?? default;
        return spec.Op switch
        {
            ConditionOperator.Eq => new EqualsCondition(path, spec, RequireScalar(value), negate: false),
            ConditionOperator.Neq => new EqualsCondition(path, spec, RequireScalar(value), negate: true),
            ConditionOperator.In => new MembershipCondition(path, spec, ScalarList(value), negate: false),
            ConditionOperator.NotIn => new MembershipCondition(path, spec, ScalarList(value), negate: true),
            ConditionOperator.Lt or ConditionOperator.Lte or ConditionOperator.Gt or ConditionOperator.Gte =>
                new OrderingCondition(path, spec, RequireScalar(value)),
            ConditionOperator.Regex => new PatternCondition(path, spec, CreateRegex(value.GetString()!)),
            ConditionOperator.Glob => new PatternCondition(path, spec, Glob.ToRegex(value.GetString()!)),
            ConditionOperator.Contains => new ContainsCondition(path, spec, RequireScalar(value)),
            ConditionOperator.StartsWith or ConditionOperator.EndsWith => new AffixCondition(path, spec, value.GetString()!),
            ConditionOperator.Exists => new PresenceCondition(path, spec, present: true),
            ConditionOperator.NotExists => new PresenceCondition(path, spec, present: false),
            ConditionOperator.MaxLength => new MaxLengthCondition(path, spec, value.GetInt64()),
            ConditionOperator.PathUnder => new PathUnderCondition(path, spec, PathRoots(value), under: true),
            ConditionOperator.PathNotUnder => new PathUnderCondition(path, spec, PathRoots(value), under: false),
            _ => throw new InvalidOperationException($"Unknown operator {spec.Op}."),
        };
    }

    /// <summary>Builds a policy regex the way the evaluator runs it, so the validator can try it first.</summary>
    public static Regex CreateRegex(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout);

    private static Scalar RequireScalar(JsonElement value) =>
        Scalar.TryFrom(value, out var scalar) ? scalar : throw new InvalidOperationException("Condition value is not a scalar.");

    private static Scalar[] ScalarList(JsonElement value) => value.EnumerateArray().Select(RequireScalar).ToArray();

    /// <summary>The roots of <c>path_under</c>, one string or a list, each normalised once here.</summary>
    private static string[] PathRoots(JsonElement value)
    {
        var roots = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(r => r.GetString()!).ToArray() : [value.GetString()!];
        return roots.Select(root => LexicalPath.NormalizeRoot(root, out var problem) ?? throw new InvalidOperationException(problem)).ToArray();
    }

    private static string Describe(ConditionSpec spec)
    {
        var op = ConditionOperatorNames.NameOf(spec.Op);
        return spec.Value is { } value ? $"{spec.Path} {op} {value.GetRawText()}" : $"{spec.Path} {op}";
    }

    private sealed class EqualsCondition(ConditionPath path, ConditionSpec spec, Scalar expected, bool negate)
        : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand) =>
            operand.Kind == expected.Kind && expected.Matches(operand) != negate;
    }

    private sealed class MembershipCondition(ConditionPath path, ConditionSpec spec, Scalar[] values, bool negate)
        : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand)
        {
            var sameType = false;
            foreach (var value in values)
            {
                if (value.Kind == operand.Kind)
                {
                    sameType = true;
                    if (value.Matches(operand))
                    {
                        return !negate;
                    }
                }
            }

            // not_in is only true for a value of a type the list could have held.
            return negate && (sameType || values.Length == 0) && operand.Kind is not (OperandKind.Array or OperandKind.Object);
        }
    }

    private sealed class OrderingCondition(ConditionPath path, ConditionSpec spec, Scalar bound) : CompiledCondition(path, spec)
    {
        private readonly ConditionOperator _op = spec.Op;

        protected override bool Test(in Operand operand)
        {
            int comparison;
            if (operand.Kind == OperandKind.Number && bound.Kind == OperandKind.Number)
            {
                comparison = operand.Number.CompareTo(bound.Number);
            }
            else if (operand.Kind == OperandKind.String && bound.Kind == OperandKind.String)
            {
                comparison = string.CompareOrdinal(operand.GetString(), bound.Text);
            }
            else
            {
                return false;
            }

            return _op switch
            {
                ConditionOperator.Lt => comparison < 0,
                ConditionOperator.Lte => comparison <= 0,
                ConditionOperator.Gt => comparison > 0,
                _ => comparison >= 0,
            };
        }
    }

    private sealed class PatternCondition(ConditionPath path, ConditionSpec spec, Regex regex) : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand) =>
            operand.Kind == OperandKind.String && regex.IsMatch(operand.GetString());
    }

    private sealed class ContainsCondition(ConditionPath path, ConditionSpec spec, Scalar needle) : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand)
        {
            if (operand.Kind == OperandKind.String)
            {
                return needle.Kind == OperandKind.String && operand.GetString().Contains(needle.Text!, StringComparison.Ordinal);
            }

            if (operand.Kind == OperandKind.Array)
            {
                foreach (var item in operand.Element.EnumerateArray())
                {
                    if (needle.Matches(item))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    private sealed class AffixCondition(ConditionPath path, ConditionSpec spec, string affix) : CompiledCondition(path, spec)
    {
        private readonly bool _start = spec.Op == ConditionOperator.StartsWith;

        protected override bool Test(in Operand operand)
        {
            if (operand.Kind != OperandKind.String)
            {
                return false;
            }

            var text = operand.GetString();
            return _start ? text.StartsWith(affix, StringComparison.Ordinal) : text.EndsWith(affix, StringComparison.Ordinal);
        }
    }

    private sealed class PresenceCondition(ConditionPath path, ConditionSpec spec, bool present) : CompiledCondition(path, spec)
    {
        protected override ConditionOutcome MissingOutcome => present ? ConditionOutcome.False : ConditionOutcome.True;

        protected override bool Test(in Operand operand) => present;
    }

    /// <summary>
    /// <c>path_under</c> / <c>path_not_under</c>. A value that is not a string, or a path that
    /// <see cref="LexicalPath"/> refuses, is undecided rather than false, so it denies in
    /// <c>require</c> and in <c>deny_if</c> alike and holds in an approval's <c>when</c>.
    /// </summary>
    private sealed class PathUnderCondition(ConditionPath path, ConditionSpec spec, string[] roots, bool under) : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand) => Decide(operand, out _) == ConditionOutcome.True;

        protected override ConditionOutcome Decide(in Operand operand, out string? problem)
        {
            if (operand.Kind != OperandKind.String)
            {
                problem = $"{Path.Text}: {KindName(operand.Kind)} is not a path";
                return ConditionOutcome.Error;
            }

            if (LexicalPath.IsUnder(operand.GetString(), roots, out var refused) is not { } isUnder)
            {
                problem = $"{Path.Text}: {refused}";
                return ConditionOutcome.Error;
            }

            problem = null;
            return isUnder == under ? ConditionOutcome.True : ConditionOutcome.False;
        }

        private static string KindName(OperandKind kind) => kind switch
        {
            OperandKind.Number => "a number",
            OperandKind.Boolean => "a boolean",
            OperandKind.Null => "null",
            OperandKind.Array => "an array",
            _ => "an object",
        };
    }

    private sealed class MaxLengthCondition(ConditionPath path, ConditionSpec spec, long max) : CompiledCondition(path, spec)
    {
        protected override bool Test(in Operand operand) => operand.Kind switch
        {
            OperandKind.String => CountCodePoints(operand.GetString()) <= max,
            OperandKind.Array => operand.Element.GetArrayLength() <= max,
            _ => false,
        };

        private static long CountCodePoints(string text)
        {
            long count = 0;
            foreach (var _ in text.EnumerateRunes())
            {
                count++;
            }

            return count;
        }
    }
}
