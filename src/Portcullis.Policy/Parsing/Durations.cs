using System.Globalization;
using System.Text.RegularExpressions;

namespace Portcullis.Policy.Parsing;

/// <summary>Durations as policies write them: <c>90</c> (seconds), <c>"30s"</c>, <c>"10m"</c>, <c>"2h"</c>, <c>"1d"</c>, or a named unit.</summary>
internal static partial class Durations
{
    public static readonly IReadOnlyDictionary<string, long> NamedWindows = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["second"] = 1,
        ["minute"] = 60,
        ["hour"] = 3600,
        ["day"] = 86400,
    };

    /// <summary>Seconds from a duration string such as <c>10m</c>; false when it is not one.</summary>
    public static bool TryParseSeconds(string text, out long seconds)
    {
        seconds = 0;
        var match = DurationPattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long unit = match.Groups[2].Value switch
        {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => 86400,
        };
        if (amount > long.MaxValue / unit / TimeSpan.TicksPerSecond)
        {
            return false;
        }

        seconds = amount * unit;
        return true;
    }

    /// <summary>A window as a policy names it: <c>minute</c> for 60 seconds, else the shortest duration such as <c>10m</c>.</summary>
    public static string WindowName(long seconds) => NamedWindows.FirstOrDefault(pair => pair.Value == seconds).Key ?? Format(seconds);

    /// <summary>The shortest exact duration string for a number of seconds, e.g. 600 → <c>10m</c>.</summary>
    public static string Format(long seconds) => seconds switch
    {
        _ when seconds % 86400 == 0 => $"{seconds / 86400}d",
        _ when seconds % 3600 == 0 => $"{seconds / 3600}h",
        _ when seconds % 60 == 0 => $"{seconds / 60}m",
        _ => $"{seconds}s",
    };

    [GeneratedRegex("^([0-9]{1,12})(s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
