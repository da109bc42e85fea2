using System.Globalization;

namespace Portcullis.Gateway.Audit;

/// <summary>Reading "since" filters of audit queries.</summary>
internal static class AuditTime
{
    /// <summary>
    /// <c>30s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c> (that long before <paramref name="now"/>) or an
    /// ISO 8601 time (UTC unless it says otherwise); null when it is neither.
    /// </summary>
    public static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount < 1_000_000)
        {
            TimeSpan? span = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (span is { } value)
            {
                // A span reaching back before the calendar's start means every record.
                return value < now - DateTimeOffset.MinValue ? now - value : DateTimeOffset.MinValue;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    /// <summary>The problem with a <paramref name="text"/> that <see cref="ParseSince"/> does not read, named by <paramref name="label"/> (<c>--since</c>, <c>since</c>, <c>Since</c>).</summary>
    public static string SinceProblem(string label, string text) =>
        $"{label}: '{text}' is neither a duration (30m, 1h, 7d) nor a time (2026-11-25T12:00:00Z).";
}
