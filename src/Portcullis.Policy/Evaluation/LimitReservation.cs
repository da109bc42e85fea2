using System.Globalization;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Evaluation;

/// <summary>
/// What one call must reserve on one counter: the key for its scope and window, the window's
/// bounds (fixed, aligned to the UTC epoch), the most it may reach and how much the call adds.
/// </summary>
public readonly struct LimitReservation
{
    internal LimitReservation(PolicyLimit limit, in ToolCall call, long amount)
    {
        Limit = limit;
        Amount = amount;
        var seconds = call.Time.ToUnixTimeSeconds();
        var start = seconds - (((seconds % limit.WindowSeconds) + limit.WindowSeconds) % limit.WindowSeconds);
        WindowStart = DateTimeOffset.FromUnixTimeSeconds(start);
        WindowEnd = WindowStart.AddSeconds(limit.WindowSeconds);
        CounterKey = BuildCounterKey(limit, call);
    }

    /// <summary>The limit this reservation is for.</summary>
    public PolicyLimit Limit { get; }

    /// <summary>The counter key: scope, subject and counter name; the same in every window.</summary>
    public string CounterKey { get; }

    /// <summary>The counter key and the window start (Unix seconds); unique per window.</summary>
    public string Key => CounterKey + "|" + WindowStart.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Start of the current window (inclusive).</summary>
    public DateTimeOffset WindowStart { get; }

    /// <summary>End of the current window (exclusive); the counter resets then.</summary>
    public DateTimeOffset WindowEnd { get; }

    /// <summary>How much the call adds to the counter.</summary>
    public long Amount { get; }

    /// <summary>The most the counter may reach within the window.</summary>
    public long Max => Limit.Max;

    private static string BuildCounterKey(PolicyLimit limit, in ToolCall call)
    {
        var subject = limit.Scope switch
        {
            LimitScope.Grant => "srv:" + Escape(call.ServerId) + "|grant:" + Escape(call.Grant.Name),
            LimitScope.Session => "srv:" + Escape(call.ServerId) + "|session:" + Escape(call.SessionId ?? "-"),
            LimitScope.Server => "srv:" + Escape(call.ServerId),
            _ => "global",
        };
        return subject + "|counter:" + Escape(limit.Counter);
    }

    private static string Escape(string text) => Uri.EscapeDataString(text);
}
