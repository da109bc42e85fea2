namespace Portcullis.Storage.Sqlite;

/// <summary>
/// A SQLite file's fixed-window counters decided in this process's memory while it owns them
/// (<see cref="SqliteCounterLock"/>): each counter starts from the value stored in the file, and
/// keeps what it gained or lost since it was last written there. Exact under concurrency: one lock
/// around check-and-add. Once closed (handed over, or the store disposed), it decides nothing more.
/// </summary>
internal sealed class OwnedCounters
{
    private static readonly TimeSpan s_forgetAfter = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    // The counters with something to write, so a write visits those rather than every counter.
    private readonly Dictionary<string, Counter> _changed = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset _nextForget = DateTimeOffset.MinValue;
    private bool _closed;
    private bool _unwritten;

    /// <summary>
    /// Takes <paramref name="amount"/> on the counter <paramref name="key"/> if it stays within
    /// <paramref name="max"/>. <see cref="OwnedDecision.NotLoaded"/> asks the caller to read the
    /// stored value first (<see cref="Load"/>).
    /// </summary>
    public OwnedDecision TryReserve(string key, long max, long amount)
    {
        lock (_lock)
        {
            if (Refusal() is { } refusal)
            {
                return refusal;
            }

            if (!_counters.TryGetValue(key, out var counter))
            {
                return OwnedDecision.NotLoaded;
            }

            if (counter.Value + amount > max)
            {
                return OwnedDecision.Full;
            }

            counter.Value += amount;
            Change(key, counter, amount);
            return OwnedDecision.Acquired;
        }
    }

    /// <summary>Gives back <paramref name="amount"/> on a loaded counter.</summary>
    public OwnedDecision Release(string key, long amount)
    {
        lock (_lock)
        {
            if (Refusal() is { } refusal)
            {
                return refusal;
            }

            if (!_counters.TryGetValue(key, out var counter))
            {
                return OwnedDecision.NotLoaded;
            }

            var released = Math.Min(amount, counter.Value);
            counter.Value -= released;
            Change(key, counter, -released);
            return OwnedDecision.Acquired;
        }
    }

    /// <summary>Starts the counter <paramref name="key"/> from its stored value, unless it is already loaded.</summary>
    public void Load(string key, long stored, DateTimeOffset windowEnd)
    {
        lock (_lock)
        {
            _counters.TryAdd(key, new Counter(windowEnd) { Value = stored });
        }
    }

    /// <summary>What the counters gained or lost since they were last written, now counted as being written.</summary>
    public List<CounterChange> TakeChanges()
    {
        lock (_lock)
        {
            var changes = new List<CounterChange>(_changed.Count);
            foreach (var (key, counter) in _changed)
            {
                if (counter.Unwritten != 0)
                {
                    changes.Add(new CounterChange(key, counter.Unwritten, counter.WindowEnd));
                    counter.Unwritten = 0;
                }
            }

            _changed.Clear();
            return changes;
        }
    }

    /// <summary>
    /// Puts back changes that could not be written, to be written with the next ones; until a write
    /// succeeds nothing is decided here (the file no longer says what the counters hold).
    /// </summary>
    public void WriteFailed(List<CounterChange> changes)
    {
        lock (_lock)
        {
            foreach (var change in changes)
            {
                if (!_counters.TryGetValue(change.Key, out var counter))
                {
                    counter = new Counter(change.WindowEnd);
                    _counters[change.Key] = counter;
                }

                Change(change.Key, counter, change.Delta);
            }

            _unwritten = true;
        }
    }

    /// <summary>The last changes were written: decisions resume.</summary>
    public void Written()
    {
        lock (_lock)
        {
            _unwritten = false;
        }
    }

    /// <summary>Stops deciding, for good; what is left to write is taken with <see cref="TakeChanges"/>.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    /// <summary>
    /// Forgets counters whose window ended a minute ago and which have nothing left to write (every
    /// 10 s at most: it visits every counter). The minute keeps a late reservation for a window that
    /// just ended from loading a stored value older than what was decided here.
    /// </summary>
    public void ForgetEnded(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (now < _nextForget)
            {
                return;
            }

            _nextForget = now.AddSeconds(10);
            foreach (var (key, counter) in _counters)
            {
                if (counter.WindowEnd <= now - s_forgetAfter && counter.Unwritten == 0)
                {
                    _counters.Remove(key);
                }
            }
        }
    }

    private void Change(string key, Counter counter, long delta)
    {
        counter.Unwritten += delta;
        _changed[key] = counter;
    }

    private OwnedDecision? Refusal() => _closed ? OwnedDecision.Closed : _unwritten ? OwnedDecision.Unwritable : null;

    private sealed class Counter(DateTimeOffset windowEnd)
    {
        public DateTimeOffset WindowEnd { get; } = windowEnd;

        public long Value { get; set; }

        public long Unwritten { get; set; }
    }
}
