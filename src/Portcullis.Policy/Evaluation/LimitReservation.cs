using System.Globalization;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Evaluation;

/// <summary>
/// What one call must reserve on one counter: the key for its scope and window, the window's
/// bounds, the most it may reach and how much the call adds. A fixed window is aligned to the
/// UTC epoch; a sliding one is the window-long interval ending at the call, and the call's own
/// reservation counts until <see cref="WindowEnd"/>.
/// </summary>
public readonly struct LimitReservation
{
    internal LimitReservation(PolicyLimit limit, in ToolCall call, long amount)
    {
        Limit = limit;
        Amount = amount;
        if (limit.Algorithm == LimitAlgorithm.Sliding)
        {
            WindowStart = call.Time;
            WindowEnd = call.Time.AddSeconds(limit.WindowSeconds);
        }
        else
        {
            var seconds = call.Time.ToUnixTimeSeconds();
            var start = seconds - (((seconds % limit.WindowSeconds) + limit.WindowSeconds) % limit.WindowSeconds);
            WindowStart = DateTimeOffset.FromUnixTimeSeconds(start);
            WindowEnd = WindowStart.AddSeconds(limit.WindowSeconds);
        }

        CounterKey = BuildCounterKey(limit, call);
    }

    /// <summary>The limit this reservation is for.</summary>
    public PolicyLimit Limit { get; }

    /// <summary>The counter key: scope, subject and counter name; the same in every window.</summary>
    public string CounterKey { get; }

    /// <summary>The counter key and the window start (Unix seconds); unique per window.</summary>
    public string Key => CounterKey + "|" + WindowStart.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Start of the current fixed window (inclusive); for a sliding window, the call's time.</summary>
    public DateTimeOffset WindowStart { get; }

    /// <summary>End of the current fixed window (exclusive), when the counter resets; for a sliding window, when this call stops counting.</summary>
    public DateTimeOffset WindowEnd { get; }

    /// <summary>Whether the counter slides (see <see cref="LimitAlgorithm.Sliding"/>).</summary>
    public bool IsSliding => Limit.Algorithm == LimitAlgorithm.Sliding;

    /// <summary>The window's length.</summary>
    public TimeSpan Window => TimeSpan.FromSeconds(Limit.WindowSeconds);

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
