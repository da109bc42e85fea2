using System.Collections.Immutable;
using System.Text.Json;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Parsing;

/// <summary>Conditions: the path, the operator and a value of the type the operator needs.</summary>
internal sealed partial class PolicyBinder
{
    private static readonly string[] s_conditionKeys = ["path", "op", "value"];

    private ImmutableArray<ConditionSpec> BindConditions(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Array, "Conditions are a list of {path, op, value}."))
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<ConditionSpec>();
        for (var i = 0; i < node.Items.Count; i++)
        {
            if (BindCondition(node.Items[i], JsonPointer.Append(path, i)) is { } condition)
            {
                builder.Add(condition);
            }
        }

        return builder.ToImmutable();
    }

    private ConditionSpec? BindCondition(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "A condition is {\"path\": \"args.x\", \"op\": \"eq\", \"value\": ...}."))
        {
            return null;
        }

        var before = _errors.Count;
        var keys = ReadKeys(node, path, s_conditionKeys);
        ConditionPath? conditionPath = null;
        if (!keys.TryGetValue("path", out var pathNode))
        {
            Error(path, node, "The condition has no 'path'.", "Add e.g. \"path\": \"args.language\".");
        }
        else if (String(path + "/path", pathNode.Value) is { } pathText)
        {
            if (ConditionPath.TryParse(pathText, out var parsed, out var pathError))
            {
                conditionPath = parsed;
            }
            else
            {
                Error(path + "/path", pathNode.Value, pathError,
                    "Paths are args.a.b[0], tool.name, grant.name, grant.labels.<key>, session.id, time.hour or time.weekday.");
            }
        }

        ConditionOperator? op = null;
        if (!keys.TryGetValue("op", out var opNode))
        {
            Error(path, node, "The condition has no 'op'.", Suggestions.Hint("", ConditionOperatorNames.All));
        }
        else if (String(path + "/op", opNode.Value) is { } opText)
        {
            if (ConditionOperatorNames.TryParse(opText, out var parsedOp))
            {
                op = parsedOp;
            }
            else
            {
                Error(path + "/op", opNode.Value, $"Unknown operator '{opText}'.", Suggestions.Hint(opText, ConditionOperatorNames.All));
            }
        }

        keys.TryGetValue("value", out var valueProperty);
        if (op is { } knownOp)
        {
            CheckValue(knownOp, valueProperty?.Value, conditionPath, path, node);
        }

        if (_errors.Count != before)
        {
            return null;
        }

        var value = valueProperty is null ? (JsonElement?)null : SourceNodeJson.ToElement(valueProperty.Value);
        return new ConditionSpec(conditionPath!.Text, op!.Value, value);
    }

    private void CheckValue(ConditionOperator op, SourceNode? value, ConditionPath? conditionPath, string path, SourceNode condition)
    {
        var valuePath = path + "/value";
        var name = ConditionOperatorNames.NameOf(op);
        if (op is ConditionOperator.Exists or ConditionOperator.NotExists)
        {
            if (value is not null)
            {
                Error(valuePath, value, $"'{name}' takes no value.", "Remove 'value'.");
            }

            return;
        }

        if (value is null)
        {
            Error(path, condition, $"'{name}' needs a 'value'.");
            return;
        }

        CheckNumbers(value, valuePath);
        switch (op)
        {
            case ConditionOperator.Eq or ConditionOperator.Neq or ConditionOperator.Contains:
                ExpectScalar(value, valuePath, name);
                break;
            case ConditionOperator.In or ConditionOperator.NotIn:
                if (Expect(value, valuePath, SourceNodeKind.Array, $"'{name}' takes a list, e.g. [\"bash\", \"powershell\"]."))
                {
                    for (var i = 0; i < value.Items.Count; i++)
                    {
                        ExpectScalar(value.Items[i], JsonPointer.Append(valuePath, i), name);
                    }
                }

                break;
            case ConditionOperator.Lt or ConditionOperator.Lte or ConditionOperator.Gt or ConditionOperator.Gte:
                if (value.Kind is not (SourceNodeKind.Number or SourceNodeKind.String))
                {
                    Error(valuePath, value, $"'{name}' compares numbers or strings, not {value.KindName}.");
                }

                break;
            case ConditionOperator.Regex:
                if (Expect(value, valuePath, SourceNodeKind.String, "Write the pattern as a string."))
                {
                    try
                    {
                        _ = new System.Text.RegularExpressions.Regex(value.Text!, System.Text.RegularExpressions.RegexOptions.None, CompiledCondition.RegexTimeout);
                    }
                    catch (ArgumentException e)
                    {
                        Error(valuePath, value, $"The regex does not compile: {e.Message}", "Escape special characters with \\\\.");
                    }
                }

                break;
            case ConditionOperator.Glob or ConditionOperator.StartsWith or ConditionOperator.EndsWith:
                Expect(value, valuePath, SourceNodeKind.String, $"'{name}' takes a string.");
                break;
            case ConditionOperator.PathUnder or ConditionOperator.PathNotUnder:
                CheckPathRoots(value, valuePath, name);
                break;
            case ConditionOperator.MaxLength:
                if (!TryParseLong(value, out var length) || length < 0)
                {
                    Error(valuePath, value, $"'max_length' takes a whole number ≥ 0, got {Show(value)}.");
                }

                break;
        }

        if (conditionPath?.Root == PathRoot.TimeWeekday && op is ConditionOperator.Eq or ConditionOperator.Neq or ConditionOperator.In or ConditionOperator.NotIn)
        {
            var values = value.Kind == SourceNodeKind.Array ? value.Items : [value];
            foreach (var day in values.Where(v => v.Kind != SourceNodeKind.String || !ConditionPath.Weekdays.Contains(v.Text!)))
            {
                Error(valuePath, day, $"{Show(day)} is not a weekday.", "time.weekday is one of: " + string.Join(", ", ConditionPath.Weekdays) + ".");
            }
        }
    }

    /// <summary>One root or a non-empty list of roots, each an absolute path that normalises cleanly.</summary>
    private void CheckPathRoots(SourceNode value, string valuePath, string op)
    {
        if (value.Kind == SourceNodeKind.Array)
        {
            if (value.Items.Count == 0)
            {
                Error(valuePath, value, $"'{op}' needs at least one root; an empty list would match no path.", "Write e.g. \"/data\" or [\"/data\", \"/tmp/agent\"].");
            }

            for (var i = 0; i < value.Items.Count; i++)
            {
                CheckPathRoot(value.Items[i], JsonPointer.Append(valuePath, i), op);
            }
        }
        else
        {
            CheckPathRoot(value, valuePath, op);
        }
    }

    private void CheckPathRoot(SourceNode root, string path, string op)
    {
        if (!Expect(root, path, SourceNodeKind.String, $"'{op}' takes an absolute path such as \"/data\", or a list of them."))
        {
            return;
        }

        if (LexicalPath.NormalizeRoot(root.Text!, out var problem) is null)
        {
            var hint = root.Text!.Length >= 2 && char.IsAsciiLetter(root.Text[0]) && root.Text[1] == ':'
                ? "Roots are POSIX paths such as /data; drive-letter paths are not supported."
                : "Write an absolute path such as /data, without '..' or percent-encoding.";
            Error(path, root, $"{Show(root)} is not a usable root: {problem}.", hint);
        }
    }

    /// <summary>
    /// A number in a condition's value that no comparison can hold (<c>1e400</c> is beyond a double)
    /// is an error here rather than a failure when the condition is compiled.
    /// </summary>
    private void CheckNumbers(SourceNode value, string path)
    {
        if (value.Kind == SourceNodeKind.Array)
        {
            for (var i = 0; i < value.Items.Count; i++)
            {
                CheckNumbers(value.Items[i], JsonPointer.Append(path, i));
            }
        }
        else if (value.Kind == SourceNodeKind.Number
            && !(double.TryParse(value.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)))
        {
            Error(path, value, $"{value.Text} is too large a number to compare with.", "Numbers in conditions must be within about ±1.7e308.");
        }
    }

    private void ExpectScalar(SourceNode value, string path, string op)
    {
        if (value.Kind is SourceNodeKind.Object or SourceNodeKind.Array)
        {
            Error(path, value, $"'{op}' compares with a string, number, boolean or null, not {value.KindName}.",
                op == "eq" ? "To test membership in a list, use 'in'." : null);
        }
    }
}
