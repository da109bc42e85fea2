namespace Portcullis.Storage.Limits;

/// <summary>
/// What a counter store answered to a reservation: acquired with its lease, full (with when the
/// amount fits, where the store knows it), or the store unavailable with the reason. A small
/// value, so answering it allocates nothing beyond the lease itself; the default is a refusal,
/// never an admission.
/// </summary>
public readonly record struct CounterReservation
{
    // Two words, so the value is returned in registers: the lease or the error (never both), and
    // the retry-after in ticks plus one (0, as in the default value, when there is none).
    private readonly object? _leaseOrError;
    private readonly long _retryAfterTicksPlusOne;

    private CounterReservation(object? leaseOrError, TimeSpan? retryAfter)
    {
        _leaseOrError = leaseOrError;
        _retryAfterTicksPlusOne = retryAfter is { } wait ? Math.Clamp(wait.Ticks, 0, long.MaxValue - 1) + 1 : 0;
    }

    /// <summary>How the reservation came out.</summary>
    public CounterReservationOutcome Outcome => _leaseOrError switch
    {
        CounterLease => CounterReservationOutcome.Acquired,
        StoreUnavailableException => CounterReservationOutcome.StoreUnavailable,
        _ => CounterReservationOutcome.Full,
    };

    /// <summary>When acquired: the reservation, to roll back if the call does not go ahead.</summary>
    public CounterLease? Lease => _leaseOrError as CounterLease;

    /// <summary>
    /// When full on a sliding counter: how long until the same amount fits; null when it never can
    /// (the amount alone is over the maximum). Always null on a fixed window, whose end the caller placed.
    /// </summary>
    public TimeSpan? RetryAfter => _retryAfterTicksPlusOne == 0 ? null : TimeSpan.FromTicks(_retryAfterTicksPlusOne - 1);

    /// <summary>When the store was unavailable: why (the message), with the store's own failure inside.</summary>
    public StoreUnavailableException? Error => _leaseOrError as StoreUnavailableException;

    /// <summary>The amount was reserved.</summary>
    public static CounterReservation Acquired(CounterLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new CounterReservation(lease, null);
    }

    /// <summary>The counter had no room; <paramref name="retryAfter"/> is how long until the amount fits (a negative wait counts as none), null when never or not the store's to say.</summary>
    public static CounterReservation Full(TimeSpan? retryAfter = null) => new(null, retryAfter);

    /// <summary>The store could not answer; <paramref name="error"/> says why.</summary>
    public static CounterReservation StoreUnavailable(StoreUnavailableException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new CounterReservation(error, null);
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
