namespace Portcullis.Policy.Evaluation;

/// <summary>
/// Fixed-window counters in memory for deciding calls away from a gateway: policy test cases and
/// audit replays. Calls must come in time order. A decision's limits are reserved all or none,
/// like the gateway's reservation: the first full counter denies the call with the gateway's own
/// <see cref="PolicyDecision.LimitExceeded"/> denial and nothing of the call stays counted.
/// </summary>
public sealed class LimitLedger
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private DateTimeOffset _earliestEnd = DateTimeOffset.MaxValue;

    /// <summary>
    /// The decision after its limits: unchanged when every counter has room (and then counted),
    /// or a limit denial. Denials reserve nothing and are returned as they are.
    /// </summary>
    public PolicyDecision Reserve(in PolicyDecision decision, DateTimeOffset now)
    {
        if (decision.Outcome == PolicyOutcome.Deny || decision.Limits.Count == 0)
        {
            return decision;
        }

        Sweep(now);
        var taken = new List<(Window Window, long Amount)>(decision.Limits.Count);
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var reservation = decision.Limits[i];
            if (!_windows.TryGetValue(reservation.Key, out var window))
            {
                window = new Window(reservation.WindowEnd);
                _windows[reservation.Key] = window;
                if (window.End < _earliestEnd)
                {
                    _earliestEnd = window.End;
                }
            }

            if (window.Used + reservation.Amount > reservation.Max)
            {
                foreach (var (counted, amount) in taken)
                {
                    counted.Used -= amount;
                }

                return PolicyDecision.LimitExceeded(reservation, now, decision.IsShadow);
            }

            window.Used += reservation.Amount;
            taken.Add((window, reservation.Amount));
        }

        return decision;
    }

    /// <summary>How much the counter with this reservation key (counter key and window) holds.</summary>
    public long Used(string reservationKey) => _windows.TryGetValue(reservationKey, out var window) ? window.Used : 0;

    /// <summary>Forgets windows that have ended, so a long replay holds only the windows still open.</summary>
    private void Sweep(DateTimeOffset now)
    {
        if (now < _earliestEnd)
        {
            return;
        }

        _earliestEnd = DateTimeOffset.MaxValue;
        foreach (var (key, window) in _windows)
        {
            if (window.End <= now)
            {
                _windows.Remove(key);
            }
            else if (window.End < _earliestEnd)
            {
                _earliestEnd = window.End;
            }
        }
    }

    private sealed class Window(DateTimeOffset end)
    {
        public DateTimeOffset End { get; } = end;

        public long Used { get; set; }
    }
}
