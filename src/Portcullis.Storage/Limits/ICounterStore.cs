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
/// a reservation says so with <see cref="CounterReservationOutcome.StoreUnavailable"/> (never
/// admits).
/// </remarks>
public interface ICounterStore
{
    /// <summary>
    /// Reserves <paramref name="amount"/> on the counter <paramref name="key"/> for the window
    /// [<paramref name="windowStart"/>, <paramref name="windowEnd"/>) if the window's total stays within <paramref name="max"/>.
    /// A store with its own clock (shared by several gateways) may place the window by that clock instead, keeping its length.
    /// </summary>
    /// <returns>
    /// The lease to roll back if the call does not go ahead; or full, without a retry-after (the
    /// caller placed the window and knows when it resets); or the store unavailable.
    /// </returns>
    ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves <paramref name="amount"/> on the sliding counter <paramref name="key"/> if what is
    /// reserved on it in the <paramref name="window"/>-long interval ending <paramref name="now"/>,
    /// plus the amount, stays within <paramref name="max"/>; the reservation counts until
    /// <paramref name="now"/> + <paramref name="window"/>. A store with its own clock uses it for now.
    /// </summary>
    /// <returns>
    /// The lease; or full, with how long until the amount fits (none when it never can, being over
    /// the maximum by itself); or the store unavailable.
    /// </returns>
    ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default);

    /// <summary>Gives back a reservation whose call never reached the upstream.</summary>
    /// <exception cref="StoreUnavailableException">
    /// The store could not answer; the reservation stays counted until its window ends. A rollback
    /// is cleanup after the decision, not an outcome to decide on, so it fails like every other
    /// store operation rather than returning a value.
    /// </exception>
    ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default);
}
