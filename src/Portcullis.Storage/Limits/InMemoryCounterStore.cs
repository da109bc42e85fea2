namespace Portcullis.Storage.Limits;

/// <summary>
/// Counters in this process's memory: exact under concurrency (one lock around check-and-add),
/// lost on restart (use a persistent store where limits must survive one). Expired windows are swept as new reservations arrive.
/// </summary>
public sealed class InMemoryCounterStore(TimeProvider timeProvider) : ICounterStore
{
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public ValueTask<CounterLease?> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        key = CounterLease.WindowKey(key, windowStart);
        lock (_lock)
        {
            SweepExpired(now);
            if (!_counters.TryGetValue(key, out var counter))
            {
                counter = new Counter(windowEnd);
                _counters[key] = counter;
            }

            if (counter.Value + amount > max)
            {
                return ValueTask.FromResult<CounterLease?>(null);
            }

            counter.Value += amount;
            return ValueTask.FromResult<CounterLease?>(new CounterLease(key, amount, windowEnd));
        }
    }

    /// <inheritdoc />
    public ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (_counters.TryGetValue(lease.Key, out var counter))
            {
                counter.Value = Math.Max(0, counter.Value - lease.Amount);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void SweepExpired(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        foreach (var (key, counter) in _counters)
        {
            if (counter.WindowEnd <= now)
            {
                _counters.Remove(key);
            }
        }

        _nextSweep = now.AddSeconds(10);
    }

    private sealed class Counter(DateTimeOffset windowEnd)
    {
        public DateTimeOffset WindowEnd { get; } = windowEnd;

        public long Value { get; set; }
    }
}
