using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Counters in one SQLite file, exact across every process that opens it: a reservation is a
/// single conditional UPSERT … RETURNING (a sliding one a single conditional INSERT … SELECT), so
/// the check and the increment are one atomic write under SQLite's write lock, never a read
/// followed by a write. A sliding counter is a log of its reservations, one row each. Writes go
/// through the file's <see cref="SqliteWriteQueue"/>, so reservations made at once share a
/// transaction. A failure of the file makes a reservation answer that the store is unavailable.
/// </summary>
public sealed class SqliteCounterStore : ICounterStore
{
    private const string ReserveFixed = """
        INSERT INTO counters (key, value, window_end)
        SELECT $key, $amount, $windowEnd WHERE $amount <= $max
        ON CONFLICT(key) DO UPDATE SET value = counters.value + excluded.value
        WHERE counters.value + excluded.value <= $max
        RETURNING value
        """;

    // One statement: the sum over the window and the insert happen under one write lock.
    private const string ReserveSliding = """
        INSERT INTO sliding_counters (entry, key, at_ms, amount, expires_ms)
        SELECT $entry, $key, $now, $amount, $now + $window
        WHERE $amount <= $max
          AND (SELECT COALESCE(SUM(amount), 0) FROM sliding_counters WHERE key = $key AND at_ms > $now - $window) + $amount <= $max
        RETURNING entry
        """;

    private readonly SqliteWriteQueue _writes;
    private readonly TimeProvider _timeProvider;
    private long _nextSweepTicks;

    /// <summary>Opens (and if needed creates) the counters at <paramref name="path"/>, with writes of their own.</summary>
    public SqliteCounterStore(string path, TimeProvider timeProvider)
        : this(SqliteFile.OpenWriteQueue(path), timeProvider)
    {
    }

    /// <summary>Counters whose writes share <paramref name="writes"/> with the other stores of their file.</summary>
    internal SqliteCounterStore(SqliteWriteQueue writes, TimeProvider timeProvider)
    {
        _writes = writes;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var windowKey = CounterLease.WindowKey(key, windowStart);
        var sweepAt = SweepDue();
        try
        {
            var taken = await _writes.WriteAsync(batch =>
            {
                SweepExpired(batch, sweepAt);
                // The SELECT … WHERE refuses an amount over the maximum for a new key; the DO UPDATE … WHERE
                // refuses it for an existing one. No row returned means the counter is full.
                var command = batch.Command(ReserveFixed);
                command.Parameters.AddWithValue("$key", windowKey);
                command.Parameters.AddWithValue("$amount", amount);
                command.Parameters.AddWithValue("$max", max);
                command.Parameters.AddWithValue("$windowEnd", windowEnd.ToUnixTimeMilliseconds());
                return command.ExecuteScalar() is not null;
            }, cancellationToken).ConfigureAwait(false);
            return taken ? CounterReservation.Acquired(new CounterLease(windowKey, amount, windowEnd)) : CounterReservation.Full();
        }
        catch (StoreUnavailableException e)
        {
            return CounterReservation.StoreUnavailable(e);
        }
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var sweepAt = SweepDue();
        var entry = Guid.NewGuid().ToString("N");
        try
        {
            return await _writes.WriteAsync(batch =>
            {
                SweepExpired(batch, sweepAt);
                return ReserveSlidingIn(batch, entry, key, now, window, max, amount);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            return CounterReservation.StoreUnavailable(e);
        }
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await _writes.WriteAsync(batch =>
        {
            SqliteCommand command;
            if (lease.Entry is { } entry)
            {
                command = batch.Command("DELETE FROM sliding_counters WHERE entry = $entry");
                command.Parameters.AddWithValue("$entry", entry);
            }
            else
            {
                command = batch.Command("UPDATE counters SET value = max(0, value - $amount) WHERE key = $key");
                command.Parameters.AddWithValue("$key", lease.Key);
                command.Parameters.AddWithValue("$amount", lease.Amount);
            }

            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    private static CounterReservation ReserveSlidingIn(SqliteBatch batch, string entry, string key, DateTimeOffset now, TimeSpan window, long max, long amount)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var insert = batch.Command(ReserveSliding);
        insert.Parameters.AddWithValue("$entry", entry);
        insert.Parameters.AddWithValue("$key", key);
        insert.Parameters.AddWithValue("$now", nowMs);
        insert.Parameters.AddWithValue("$window", windowMs);
        insert.Parameters.AddWithValue("$amount", amount);
        insert.Parameters.AddWithValue("$max", max);
        if (insert.ExecuteScalar() is not null)
        {
            return CounterReservation.Acquired(new CounterLease(key, amount, now + window) { Entry = entry });
        }

        // Refused: read the window's reservations to say when the call fits (advice, not a decision).
        var read = batch.Command("SELECT at_ms, amount FROM sliding_counters WHERE key = $key AND at_ms > $now - $window ORDER BY at_ms");
        read.Parameters.AddWithValue("$key", key);
        read.Parameters.AddWithValue("$now", nowMs);
        read.Parameters.AddWithValue("$window", windowMs);
        var entries = new List<(DateTimeOffset, long)>();
        using (var reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                entries.Add((DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetInt64(1)));
            }
        }

        return CounterReservation.Full(CounterReservation.RetryAfterFor(entries, now, window, max, amount));
    }

    /// <summary>The time to sweep expired counters at, when this caller is the one to do it (every 30 s), or null.</summary>
    private DateTimeOffset? SweepDue()
    {
        var now = _timeProvider.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweepTicks);
        return now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, now.AddSeconds(30).UtcTicks, next) != next ? null : now;
    }

    private static void SweepExpired(SqliteBatch batch, DateTimeOffset? now)
    {
        if (now is null)
        {
            return;
        }

        var command = batch.Command("DELETE FROM counters WHERE window_end <= $now; DELETE FROM sliding_counters WHERE expires_ms <= $now;");
        command.Parameters.AddWithValue("$now", now.Value.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }
}
