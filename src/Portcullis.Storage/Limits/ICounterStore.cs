namespace Portcullis.Storage.Limits;

/// <summary>
/// Fixed-window counters that admit by reservation: a reservation either fits under the maximum
/// and is taken at once (atomically), or is refused. Never read-then-write.
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

    /// <summary>Gives back a reservation whose call never reached the upstream.</summary>
    ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default);
}

/// <summary>A reservation taken on one counter window.</summary>
/// <param name="Key">The stored key: counter key and window start.</param>
/// <param name="Amount">How much was reserved.</param>
/// <param name="WindowEnd">When the counter's window ends.</param>
public sealed record CounterLease(string Key, long Amount, DateTimeOffset WindowEnd)
{
    /// <summary>The stored key of a counter's window: the window start (Unix seconds) appended to the counter key.</summary>
    public static string WindowKey(string key, DateTimeOffset windowStart) =>
        key + "|" + windowStart.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
