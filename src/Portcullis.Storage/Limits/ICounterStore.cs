namespace Portcullis.Storage.Limits;

/// <summary>
/// Fixed-window counters that admit by reservation: a reservation either fits under the maximum
/// and is taken at once (atomically), or is refused. Never read-then-write.
/// </summary>
public interface ICounterStore
{
    /// <summary>Reserves <paramref name="amount"/> on <paramref name="key"/> if the total stays within <paramref name="max"/>.</summary>
    /// <returns>A lease to commit or roll back, or null when the counter is full.</returns>
    ValueTask<CounterLease?> TryReserveAsync(string key, DateTimeOffset windowEnd, long max, long amount, CancellationToken cancellationToken = default);

    /// <summary>Gives back a reservation whose call never reached the upstream.</summary>
    ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default);
}

/// <summary>A reservation taken on one counter.</summary>
/// <param name="Key">The counter key.</param>
/// <param name="Amount">How much was reserved.</param>
/// <param name="WindowEnd">When the counter's window ends.</param>
public sealed record CounterLease(string Key, long Amount, DateTimeOffset WindowEnd);
