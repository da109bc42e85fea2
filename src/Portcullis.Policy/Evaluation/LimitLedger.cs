namespace Portcullis.Policy.Evaluation;

/// <summary>
/// Counters in memory for deciding calls away from a gateway: policy test cases and audit
/// replays. Calls must come in time order. A decision's limits are reserved all or none, like the
/// gateway's reservation: the first full counter denies the call with the gateway's own denial
/// (<see cref="PolicyDecision.LimitExceeded"/> for a fixed window,
/// <see cref="PolicyDecision.SlidingLimitExceeded"/> for a sliding one) and nothing of the call
/// stays counted.
/// </summary>
public sealed class LimitLedger
{
    private readonly Dictionary<string, Window> _fixed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset At, long Amount)>> _sliding = new(StringComparer.Ordinal);
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
        var undo = new List<Action>(decision.Limits.Count);
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var reservation = decision.Limits[i];
            var denial = reservation.IsSliding ? ReserveSliding(reservation, now, decision.IsShadow, undo) : ReserveFixed(reservation, now, decision.IsShadow, undo);
            if (denial is { } denied)
            {
                foreach (var action in undo)
                {
                    action();
                }

                return denied;
            }
        }

        return decision;
    }

    /// <summary>How much the counter of <paramref name="reservation"/> holds at <paramref name="now"/>.</summary>
    public long Used(LimitReservation reservation, DateTimeOffset now)
    {
        if (!reservation.IsSliding)
        {
            return _fixed.TryGetValue(reservation.Key, out var window) ? window.Used : 0;
        }

        var length = reservation.Window;
        return _sliding.TryGetValue(reservation.CounterKey, out var log) ? log.Where(e => e.At + length > now).Sum(e => e.Amount) : 0;
    }

    private PolicyDecision? ReserveFixed(in LimitReservation reservation, DateTimeOffset now, bool isShadow, List<Action> undo)
    {
        if (!_fixed.TryGetValue(reservation.Key, out var window))
        {
            window = new Window(reservation.WindowEnd);
            _fixed[reservation.Key] = window;
            if (window.End < _earliestEnd)
            {
                _earliestEnd = window.End;
            }
        }

        if (window.Used + reservation.Amount > reservation.Max)
        {
            return PolicyDecision.LimitExceeded(reservation, now, isShadow);
        }

        var amount = reservation.Amount;
        window.Used += amount;
        undo.Add(() => window.Used -= amount);
        return null;
    }

    private PolicyDecision? ReserveSliding(in LimitReservation reservation, DateTimeOffset now, bool isShadow, List<Action> undo)
    {
        if (!_sliding.TryGetValue(reservation.CounterKey, out var log))
        {
            log = [];
            _sliding[reservation.CounterKey] = log;
        }

        var window = reservation.Window;
        log.RemoveAll(e => e.At + window <= now);
        var used = log.Sum(e => e.Amount);
        if (used + reservation.Amount > reservation.Max)
        {
            return PolicyDecision.SlidingLimitExceeded(reservation, now, RetryAfter(log, used, reservation, now), isShadow);
        }

        var entry = (now, reservation.Amount);
        log.Add(entry);
        undo.Add(() => log.Remove(entry));
        return null;
    }

    /// <summary>How long until enough of the oldest calls have left the window for this one to fit; null when its amount alone is over the maximum.</summary>
    private static TimeSpan? RetryAfter(List<(DateTimeOffset At, long Amount)> log, long used, in LimitReservation reservation, DateTimeOffset now)
    {
        if (reservation.Amount > reservation.Max)
        {
            return null;
        }

        foreach (var (at, amount) in log)
        {
            used -= amount;
            if (used + reservation.Amount <= reservation.Max)
            {
                var fits = at + reservation.Window - now;
                return fits > TimeSpan.Zero ? fits : TimeSpan.Zero;
            }
        }

        return TimeSpan.Zero;
    }

    /// <summary>Forgets fixed windows that have ended, so a long replay holds only the windows still open.</summary>
    private void Sweep(DateTimeOffset now)
    {
        if (now < _earliestEnd)
        {
            return;
        }

        _earliestEnd = DateTimeOffset.MaxValue;
        foreach (var (key, window) in _fixed)
        {
            if (window.End <= now)
            {
                _fixed.Remove(key);
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
