namespace Portcullis.Policy.Parsing;

/// <summary>Type checks and error reporting shared by every part of the binder: the generic ones are <see cref="SourceNodeReader"/>'s, the policy-specific ones (keywords, durations) are here.</summary>
internal sealed partial class PolicyBinder
{
    private void Error(string path, SourceNode node, string message, string? hint = null) => _read.Error(path, node, message, hint);

    private bool Expect(SourceNode node, string path, SourceNodeKind kind, string hint) => _read.Expect(node, path, kind, hint);

    private Dictionary<string, SourceProperty> ReadKeys(SourceNode node, string path, IReadOnlyCollection<string> known) => _read.ReadKeys(node, path, known);

    private IEnumerable<SourceProperty> UniqueProperties(SourceNode node, string path) => _read.UniqueProperties(node, path);

    private string? String(string path, SourceNode node) => _read.ReadString(path, node);

    private static string Show(SourceNode node) => SourceNodeReader.Show(node);

    private static bool TryParseLong(SourceNode node, out long value) => SourceNodeReader.TryGetInt64(node, out value);

    /// <summary>A lower-case keyword mapped to an enum member by position in <paramref name="names"/>.</summary>
    private T? Enum<T>(string path, SourceNode node, string[] names)
        where T : struct, Enum
    {
        var values = System.Enum.GetValues<T>();
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var snake = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
            byName[snake] = value;
        }

        if (node.Kind == SourceNodeKind.String && byName.TryGetValue(node.Text!, out var parsed) && names.Contains(node.Text))
        {
            return parsed;
        }

        var shown = node.Kind == SourceNodeKind.String ? node.Text! : node.KindName;
        Error(path, node, $"'{shown}' is not a valid value.", Suggestions.Hint(shown, names));
        return null;
    }

    /// <summary>A positive number of seconds: an integer, a duration such as "10m", or a named window.</summary>
    private long? Seconds(string path, SourceNode node, bool allowNamedWindows)
    {
        var hint = allowNamedWindows
            ? "Use second, minute, hour, day, a number of seconds, or a duration such as \"90s\", \"5m\", \"2h\", \"1d\"."
            : "Use a number of seconds or a duration such as \"90s\", \"10m\", \"2h\", \"1d\".";
        long seconds;
        if (TryParseLong(node, out var number))
        {
            seconds = number;
        }
        else if (node.Kind == SourceNodeKind.String
            && ((allowNamedWindows && Durations.NamedWindows.TryGetValue(node.Text!, out seconds)) || Durations.TryParseSeconds(node.Text!, out seconds)))
        {
            // parsed above
        }
        else
        {
            Error(path, node, $"{Show(node)} is not a duration.", hint);
            return null;
        }

        if (seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            Error(path, node, $"A duration must be positive, got {Show(node)}.", hint);
            return null;
        }

        return seconds;
    }
}
