using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Counters in one SQLite file, exact across every process that opens it. While one process has
/// the file's counters to itself, it owns them (<see cref="SqliteCounterOwnership"/>) and decides
/// fixed windows in memory, writing their changes to the file ten times a second; when another
/// process arrives, both reserve in the file. There a reservation is a single conditional UPSERT …
/// RETURNING (a sliding one, always in the file, a single conditional INSERT … SELECT), so the check
/// and the increment are one atomic write under SQLite's write lock, never a read followed by a
/// write. A sliding counter is a log of its reservations, one row each. Writes go through the
/// file's <see cref="SqliteWriteQueue"/>, so reservations made at once share a transaction. A
/// failure of the file makes a reservation answer that the store is unavailable.
/// </summary>
public sealed class SqliteCounterStore : ICounterStore, IAsyncDisposable
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

    private const string ReadFixed = "SELECT value FROM counters WHERE key = $key";

    private readonly string _connectionString;
    private readonly SqliteWriteQueue _writes;
    private readonly SqliteCounterOwnership _ownership;
    private readonly SqliteCounterSweep _sweep;
    private readonly bool _ownsWrites;

    /// <summary>Opens (and if needed creates) the counters at <paramref name="path"/>, with writes of their own.</summary>
    public SqliteCounterStore(string path, TimeProvider timeProvider)
        : this(path, SqliteFile.OpenWriteQueue(path), timeProvider)
    {
        _ownsWrites = true;
    }

    /// <summary>Counters whose writes share <paramref name="writes"/> with the other stores of their file.</summary>
    internal SqliteCounterStore(string path, SqliteWriteQueue writes, TimeProvider timeProvider)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        _writes = writes;
        _sweep = new SqliteCounterSweep(timeProvider);
        _ownership = new SqliteCounterOwnership(path, writes, _sweep, timeProvider);
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var windowKey = CounterLease.WindowKey(key, windowStart);
        try
        {
            var taken = await _ownership.OwnsAsync(cancellationToken).ConfigureAwait(false)
                ? await TryReserveOwnedAsync(windowKey, windowEnd, max, amount, cancellationToken).ConfigureAwait(false)
                : null;
            taken ??= await TryReserveInFileAsync(windowKey, windowEnd, max, amount, cancellationToken).ConfigureAwait(false);
            return taken.Value ? CounterReservation.Acquired(new CounterLease(windowKey, amount, windowEnd)) : CounterReservation.Full();
        }
        catch (StoreUnavailableException e)
        {
            return CounterReservation.StoreUnavailable(e);
        }
    }

    /// <summary>Decides in memory; null when the counters were handed over meanwhile and the file decides.</summary>
    private async ValueTask<bool?> TryReserveOwnedAsync(string windowKey, DateTimeOffset windowEnd, long max, long amount, CancellationToken cancellationToken) =>
        await DecideOwnedAsync(windowKey, windowEnd, owned => owned.TryReserve(windowKey, max, amount), cancellationToken).ConfigureAwait(false) switch
        {
            OwnedDecision.Acquired => true,
            OwnedDecision.Full => false,
            _ => null,
        };

    /// <summary>
    /// What a decision in memory comes to, the counter's stored value read first if it is not in
    /// memory yet: a closed store waits for the handover; changes that cannot be written make the
    /// store unavailable.
    /// </summary>
    private async ValueTask<OwnedDecision> DecideOwnedAsync(string windowKey, DateTimeOffset windowEnd, Func<OwnedCounters, OwnedDecision> decide,
        CancellationToken cancellationToken)
    {
        var decision = decide(_ownership.Owned);
        if (decision == OwnedDecision.NotLoaded)
        {
            _ownership.Owned.Load(windowKey, await ReadStoredAsync(windowKey, cancellationToken).ConfigureAwait(false), windowEnd);
            decision = decide(_ownership.Owned);
        }

        switch (decision)
        {
            case OwnedDecision.Closed:
                await _ownership.WaitForHandoverAsync(cancellationToken).ConfigureAwait(false);
                break;
            case OwnedDecision.Unwritable:
                // Recorded before the counters were marked unwritable.
                var error = _ownership.LastWriteError!;
                throw new StoreUnavailableException($"The SQLite store failed: the counters' last changes could not be written to the file ({error.InnerException?.Message}).", error);
        }

        return decision;
    }

    private async ValueTask<bool> TryReserveInFileAsync(string windowKey, DateTimeOffset windowEnd, long max, long amount, CancellationToken cancellationToken)
    {
        var sweepAt = _sweep.Due();
        return await _writes.WriteAsync(batch =>
        {
            _ownership.ThrowIfClosed();
            SqliteCounterSweep.Run(batch, sweepAt);
            // The SELECT … WHERE refuses an amount over the maximum for a new key; the DO UPDATE … WHERE
            // refuses it for an existing one. No row returned means the counter is full.
            var command = batch.Command(ReserveFixed);
            command.Parameters.AddWithValue("$key", windowKey);
            command.Parameters.AddWithValue("$amount", amount);
            command.Parameters.AddWithValue("$max", max);
            command.Parameters.AddWithValue("$windowEnd", windowEnd.ToUnixTimeMilliseconds());
            return command.ExecuteScalar() is not null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A counter's value in the file (0 when it has none).</summary>
    private async ValueTask<long> ReadStoredAsync(string windowKey, CancellationToken cancellationToken)
    {
        var values = await SqliteFile.QueryAsync(_connectionString, ReadFixed, [("$key", windowKey)], reader => reader.GetInt64(0), cancellationToken)
            .ConfigureAwait(false);
        return values.Count == 0 ? 0 : values[0];
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var sweepAt = _sweep.Due();
        var entry = Guid.NewGuid().ToString("N");
        try
        {
            return await _writes.WriteAsync(batch =>
            {
                SqliteCounterSweep.Run(batch, sweepAt);
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
        if (lease.Entry is null && await _ownership.OwnsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await DecideOwnedAsync(lease.Key, lease.WindowEnd, owned => owned.Release(lease.Key, lease.Amount), cancellationToken).ConfigureAwait(false)
                == OwnedDecision.Acquired)
            {
                return;
            }
        }

        await _writes.WriteAsync(batch =>
        {
            _ownership.ThrowIfClosed();
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

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _ownership.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_ownsWrites)
            {
                await _writes.DisposeAsync().ConfigureAwait(false);
            }
        }
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
}
