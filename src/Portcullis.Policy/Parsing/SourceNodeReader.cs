using System.Globalization;

namespace Portcullis.Policy.Parsing;

/// <summary>
/// Reads values out of a <see cref="SourceNode"/> tree and records every problem as a
/// <see cref="PolicyError"/> with its JSON Pointer, line and column, instead of throwing, so a
/// binder can check a whole document and report everything wrong with it at once.
/// </summary>
/// <param name="errors">Receives each problem found.</param>
public sealed class SourceNodeReader(ICollection<PolicyError> errors)
{
    /// <summary>How many problems have been recorded; compare before and after a part to know whether it was valid.</summary>
    public int ErrorCount => errors.Count;

    /// <summary>Records a problem with the value at <paramref name="path"/>.</summary>
    public void Error(string path, SourceNode node, string message, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        errors.Add(new PolicyError(path, node.Position, message, hint));
    }

    /// <summary>True when <paramref name="node"/> is of <paramref name="kind"/>; otherwise records "Expected … but found …" with <paramref name="hint"/>.</summary>
    public bool Expect(SourceNode node, string path, SourceNodeKind kind, string? hint)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Kind == kind)
        {
            return true;
        }

        Error(path, node, $"Expected {SourceNode.NameOf(kind)} but found {node.KindName}.", hint);
        return false;
    }

    /// <summary>The string's value, or null after recording that <paramref name="node"/> is not a string.</summary>
    public string? ReadString(string path, SourceNode node, string? hint = "Write it in quotes.") =>
        Expect(node, path, SourceNodeKind.String, hint) ? node.Text : null;

    /// <summary>
    /// The object's properties by name; records each key not in <paramref name="known"/> (with the
    /// closest known one as "did you mean") and each repeated key.
    /// </summary>
    public Dictionary<string, SourceProperty> ReadKeys(SourceNode node, string path, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        var found = new Dictionary<string, SourceProperty>(StringComparer.Ordinal);
        foreach (var property in UniqueProperties(node, path))
        {
            if (known.Contains(property.Name))
            {
                found[property.Name] = property;
            }
            else
            {
                errors.Add(new PolicyError(JsonPointer.Append(path, property.Name), property.NamePosition,
                    $"Unknown key '{property.Name}'.", Suggestions.Hint(property.Name, known)));
            }
        }

        return found;
    }

    /// <summary>The object's properties, first occurrence only, recording every repeated key.</summary>
    public IEnumerable<SourceProperty> UniqueProperties(SourceNode node, string path)
    {
        ArgumentNullException.ThrowIfNull(node);
        var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var property in node.Properties)
        {
            if (seen.TryGetValue(property.Name, out var first))
            {
                errors.Add(new PolicyError(JsonPointer.Append(path, property.Name), property.NamePosition,
                    $"Duplicate key '{property.Name}' (first at {first}).", "Keep one; a repeated key is ambiguous."));
                continue;
            }

            seen.Add(property.Name, property.NamePosition);
            yield return property;
        }
    }

    /// <summary>A scalar as an error shows it: strings in double quotes, numbers and booleans as written, anything else by its kind.</summary>
    public static string Show(SourceNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Kind switch
        {
            SourceNodeKind.String => "\"" + node.Text + "\"",
            SourceNodeKind.Number => node.Text!,
            SourceNodeKind.Boolean => node.BooleanValue ? "true" : "false",
            _ => node.KindName,
        };
    }

    /// <summary>True when <paramref name="node"/> is a whole number that fits a <see cref="long"/> (<c>10</c>, <c>1e3</c>, <c>10.0</c>).</summary>
    public static bool TryGetInt64(SourceNode node, out long value)
    {
        ArgumentNullException.ThrowIfNull(node);
        value = 0;
        return node.Kind == SourceNodeKind.Number
            && decimal.TryParse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && number == decimal.Truncate(number)
            && number >= long.MinValue && number <= long.MaxValue
            && (value = (long)number) == value;
    }
}
