using System.Collections.Immutable;

namespace Portcullis.Web.Forms;

/// <summary>Grant labels as the UI's text boxes take them: one <c>key=value</c> per line.</summary>
internal static class LabelLines
{
    /// <summary>
    /// The labels of <paramref name="text"/>, with a problem named by <paramref name="field"/> added to
    /// <paramref name="problems"/> for each line that is not <c>key=value</c> and each key given twice.
    /// </summary>
    public static ImmutableDictionary<string, string> Parse(string text, string field, List<string> problems)
    {
        var labels = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"{field}: '{line}' is not key=value.");
            }
            else if (!labels.TryAdd(line[..equals].Trim(), line[(equals + 1)..].Trim()))
            {
                problems.Add($"{field}: '{line[..equals].Trim()}' is given twice.");
            }
        }

        return labels.ToImmutable();
    }
}
