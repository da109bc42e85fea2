namespace Portcullis.Storage.Limits;

/// <summary>
/// Counters that admit by reservation: a reservation either fits under the maximum and is taken
/// at once (atomically), or is refused. Never read-then-write. A counter is a fixed window
/// (aligned to the clock) or a sliding one (a log of reservations; at most the maximum in any
/// window-long interval).
/// </summary>
/// <remarks>
/// A lease is committed by leaving it alone (the call reached the upstream and counts) or rolled
/// back when the call never reached the upstream. Denied reservations write nothing, so refused
/// calls do not use quota. Counters disappear after their window ends. A store that cannot answer
/// throws <see cref="StoreUnavailableException"/>, never admits.
/// </remarks>
public interface ICounterStore
{
    /// <summary>
    /// Reserves <paramref name="amount"/> on the counter <paramref name="key"/> for the window
    /// [<paramref name="windowStart"/>, <paramref name="windowEnd"/>) if the window's total stays within <paramref name="max"/>.
    /// A store with its own clock (shared by several gateways) may place the window by that clock instead, keeping its length.
    /// </summary>
    /// <returns>A lease to roll back if the call does not go ahead, or null when the counter is full.</returns>
    ValueTask<CounterLease?> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves <paramref name="amount"/> on the sliding counter <paramref name="key"/> if what is
    /// reserved on it in the <paramref name="window"/>-long interval ending <paramref name="now"/>,
    /// plus the amount, stays within <paramref name="max"/>; the reservation counts until
    /// <paramref name="now"/> + <paramref name="window"/>. A store with its own clock uses it for now.
    /// </summary>
    /// <returns>The lease, or when refused how long until the amount fits (null: it never can, being over the maximum by itself).</returns>
    ValueTask<SlidingReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default);

    /// <summary>Gives back a reservation whose call never reached the upstream.</summary>
    ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of a sliding reservation.</summary>
/// <param name="Lease">The reservation, or null when it was refused.</param>
/// <param name="RetryAfter">When refused: how long until the same amount fits; null when it never can.</param>
public sealed record SlidingReservation(CounterLease? Lease, TimeSpan? RetryAfter)
{
    /// <summary>Works out, for a refused reservation, when <paramref name="amount"/> fits: walking the window's reservations oldest first, the moment enough have left.</summary>
    /// <param name="entries">The reservations in the window, oldest first: when each was made and its amount.</param>
    public static TimeSpan? RetryAfterFor(IEnumerable<(DateTimeOffset At, long Amount)> entries, DateTimeOffset now, TimeSpan window, long max, long amount)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (amount > max)
        {
            return null;
        }

        var ordered = entries.OrderBy(e => e.At).ToList();
        var total = ordered.Sum(e => e.Amount);
        foreach (var (at, entryAmount) in ordered)
        {
            total -= entryAmount;
            if (total + amount <= max)
            {
                var fits = at + window - now;
                return fits > TimeSpan.Zero ? fits : TimeSpan.Zero;
            }
        }

        return TimeSpan.Zero;
    }
}

/// <summary>A reservation taken on one counter window.</summary>
/// <param name="Key">The stored key: counter key and window start (the counter key for a sliding counter).</param>
/// <param name="Amount">How much was reserved.</param>
/// <param name="WindowEnd">When the counter's window ends (when a sliding reservation stops counting).</param>
public sealed record CounterLease(string Key, long Amount, DateTimeOffset WindowEnd)
{
    /// <summary>For a sliding counter: the store's name for this one reservation in the counter's log, which a rollback removes.</summary>
    public string? Entry { get; init; }

    /// <summary>The stored key of a counter's window: the window start (Unix seconds) appended to the counter key.</summary>
    public static string WindowKey(string key, DateTimeOffset windowStart) =>
        key + "|" + windowStart.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
