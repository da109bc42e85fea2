namespace Portcullis.Storage.Limits;

/// <summary>
/// What a counter store answered to a reservation: acquired with its lease, full (with when the
/// amount fits, where the store knows it), or the store unavailable with the reason. A small
/// value, so answering it allocates nothing beyond the lease itself; the default is a refusal,
/// never an admission.
/// </summary>
public readonly record struct CounterReservation
{
    private CounterReservation(CounterLease? lease, TimeSpan? retryAfter, StoreUnavailableException? error)
    {
        Lease = lease;
        RetryAfter = retryAfter;
        Error = error;
    }

    /// <summary>How the reservation came out.</summary>
    public CounterReservationOutcome Outcome =>
        Lease is not null ? CounterReservationOutcome.Acquired
        : Error is not null ? CounterReservationOutcome.StoreUnavailable
        : CounterReservationOutcome.Full;

    /// <summary>When acquired: the reservation, to roll back if the call does not go ahead.</summary>
    public CounterLease? Lease { get; }

    /// <summary>
    /// When full on a sliding counter: how long until the same amount fits; null when it never can
    /// (the amount alone is over the maximum). Always null on a fixed window, whose end the caller placed.
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>When the store was unavailable: why (the message), with the store's own failure inside.</summary>
    public StoreUnavailableException? Error { get; }

    /// <summary>The amount was reserved.</summary>
    public static CounterReservation Acquired(CounterLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new CounterReservation(lease, null, null);
    }

    /// <summary>The counter had no room; <paramref name="retryAfter"/> is when the amount fits, null when unknown to the store or never.</summary>
    public static CounterReservation Full(TimeSpan? retryAfter = null) => new(null, retryAfter, null);

    /// <summary>The store could not answer; <paramref name="error"/> says why.</summary>
    public static CounterReservation StoreUnavailable(StoreUnavailableException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new CounterReservation(null, null, error);
    }

    /// <summary>Works out, for a refused sliding reservation, when <paramref name="amount"/> fits: walking the window's reservations oldest first, the moment enough have left.</summary>
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
