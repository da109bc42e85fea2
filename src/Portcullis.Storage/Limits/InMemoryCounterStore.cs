namespace Portcullis.Storage.Limits;

/// <summary>
/// Counters in this process's memory: exact under concurrency (one lock around check-and-add),
/// lost on restart (use a persistent store where limits must survive one). Expired windows are swept as new reservations arrive.
/// Never unavailable: memory always answers.
/// </summary>
public sealed class InMemoryCounterStore(TimeProvider timeProvider) : ICounterStore
{
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SlidingLog> _sliding = new(StringComparer.Ordinal);
    private DateTimeOffset _slidingNow = DateTimeOffset.MinValue;
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
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
                return ValueTask.FromResult(CounterReservation.Full());
            }

            counter.Value += amount;
            return ValueTask.FromResult(CounterReservation.Acquired(new CounterLease(key, amount, windowEnd)));
        }
    }

    /// <inheritdoc />
    public ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            SweepExpired(timeProvider.GetUtcNow());
            // Calls are stamped in the order they take the lock, never earlier than one before them
            // (callers read the clock before waiting for the lock), so each log stays in time order
            // and trimming its head never drops an entry a later-stamped call could still count.
            now = _slidingNow = now > _slidingNow ? now : _slidingNow;
            if (!_sliding.TryGetValue(key, out var log))
            {
                log = new SlidingLog();
                _sliding[key] = log;
            }

            log.Trim(now - window);
            if (amount > max || log.Total + amount > max)
            {
                return ValueTask.FromResult(CounterReservation.Full(
                    CounterReservation.RetryAfterFor(log.Entries.Select(e => (e.At, e.Amount)), now, window, max, amount)));
            }

            var id = Guid.NewGuid().ToString("N");
            log.Add(new SlidingEntry(id, now, amount, now + window));
            return ValueTask.FromResult(CounterReservation.Acquired(new CounterLease(key, amount, now + window) { Entry = id }));
        }
    }

    /// <inheritdoc />
    public ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (lease.Entry is { } entry)
            {
                if (_sliding.TryGetValue(lease.Key, out var log))
                {
                    log.Remove(entry);
                }
            }
            else if (_counters.TryGetValue(lease.Key, out var counter))
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

        foreach (var (key, log) in _sliding)
        {
            if (log.Entries.All(entry => entry.Expires <= now))
            {
                _sliding.Remove(key);
            }
        }

        _nextSweep = now.AddSeconds(10);
    }

    private sealed record SlidingEntry(string Id, DateTimeOffset At, long Amount, DateTimeOffset Expires);

    /// <summary>A sliding counter's reservations in time order, with their running total: a reservation costs O(1) but for trimming.</summary>
    private sealed class SlidingLog
    {
        private readonly LinkedList<SlidingEntry> _entries = new();

        public long Total { get; private set; }

        public IEnumerable<SlidingEntry> Entries => _entries;

        /// <summary>Drops the entries made at or before <paramref name="cutoff"/>: they have left the window.</summary>
        public void Trim(DateTimeOffset cutoff)
        {
            while (_entries.First is { } first && first.Value.At <= cutoff)
            {
                Total -= first.Value.Amount;
                _entries.RemoveFirst();
            }
        }

        public void Add(SlidingEntry entry)
        {
            _entries.AddLast(entry);
            Total += entry.Amount;
        }

        public void Remove(string id)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Id == id)
                {
                    Total -= node.Value.Amount;
                    _entries.Remove(node);
                    return;
                }
            }
        }
    }

    private sealed class Counter(DateTimeOffset windowEnd)
    {
        public DateTimeOffset WindowEnd { get; } = windowEnd;

        public long Value { get; set; }
    }
}
