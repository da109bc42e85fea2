using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Counters in one SQLite file, exact across every process that opens it: a reservation is a
/// single conditional UPSERT … RETURNING (a sliding one a single conditional INSERT … SELECT), so
/// the check and the increment are one atomic write under SQLite's write lock, never a read
/// followed by a write. A sliding counter is a log of its reservations, one row each. A failure of
/// the file makes a reservation answer that the store is unavailable.
/// </summary>
public sealed class SqliteCounterStore : ICounterStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;
    private long _nextSweepTicks;

    /// <summary>Opens (and if needed creates) the counters at <paramref name="path"/>.</summary>
    public SqliteCounterStore(string path, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var windowKey = CounterLease.WindowKey(key, windowStart);
        try
        {
            using var connection = SqliteFile.Open(_connectionString);
            await SweepExpiredAsync(connection, cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            // The SELECT … WHERE refuses an amount over the maximum for a new key; the DO UPDATE … WHERE
            // refuses it for an existing one. No row returned means the counter is full.
            command.CommandText = """
                INSERT INTO counters (key, value, window_end)
                SELECT $key, $amount, $windowEnd WHERE $amount <= $max
                ON CONFLICT(key) DO UPDATE SET value = counters.value + excluded.value
                WHERE counters.value + excluded.value <= $max
                RETURNING value
                """;
            command.Parameters.AddWithValue("$key", windowKey);
            command.Parameters.AddWithValue("$amount", amount);
            command.Parameters.AddWithValue("$max", max);
            command.Parameters.AddWithValue("$windowEnd", windowEnd.ToUnixTimeMilliseconds());
            var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return result is null ? CounterReservation.Full() : CounterReservation.Acquired(new CounterLease(windowKey, amount, windowEnd));
        }
        catch (SqliteException e)
        {
            return Unavailable(e);
        }
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await ReserveSlidingAsync(key, now, window, max, amount, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            return Unavailable(e);
        }
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            if (lease.Entry is { } entry)
            {
                command.CommandText = "DELETE FROM sliding_counters WHERE entry = $entry";
                command.Parameters.AddWithValue("$entry", entry);
            }
            else
            {
                command.CommandText = "UPDATE counters SET value = max(0, value - $amount) WHERE key = $key";
                command.Parameters.AddWithValue("$key", lease.Key);
                command.Parameters.AddWithValue("$amount", lease.Amount);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private async Task<CounterReservation> ReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken)
    {
        using var connection = SqliteFile.Open(_connectionString);
        await SweepExpiredAsync(connection, cancellationToken).ConfigureAwait(false);
        var nowMs = now.ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var entry = Guid.NewGuid().ToString("N");
        using (var insert = connection.CreateCommand())
        {
            // One statement: the sum over the window and the insert happen under one write lock.
            insert.CommandText = """
                INSERT INTO sliding_counters (entry, key, at_ms, amount, expires_ms)
                SELECT $entry, $key, $now, $amount, $now + $window
                WHERE $amount <= $max
                  AND (SELECT COALESCE(SUM(amount), 0) FROM sliding_counters WHERE key = $key AND at_ms > $now - $window) + $amount <= $max
                RETURNING entry
                """;
            insert.Parameters.AddWithValue("$entry", entry);
            insert.Parameters.AddWithValue("$key", key);
            insert.Parameters.AddWithValue("$now", nowMs);
            insert.Parameters.AddWithValue("$window", windowMs);
            insert.Parameters.AddWithValue("$amount", amount);
            insert.Parameters.AddWithValue("$max", max);
            if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return CounterReservation.Acquired(new CounterLease(key, amount, now + window) { Entry = entry });
            }
        }

        // Refused: read the window's reservations to say when the call fits (advice, not a decision).
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT at_ms, amount FROM sliding_counters WHERE key = $key AND at_ms > $now - $window ORDER BY at_ms";
        read.Parameters.AddWithValue("$key", key);
        read.Parameters.AddWithValue("$now", nowMs);
        read.Parameters.AddWithValue("$window", windowMs);
        var entries = new List<(DateTimeOffset, long)>();
        using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add((DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetInt64(1)));
            }
        }

        return CounterReservation.Full(CounterReservation.RetryAfterFor(entries, now, window, max, amount));
    }

    /// <summary>A failure of the file (a lock held past the busy timeout, a disk error, a file that is not a database) as the store being unavailable.</summary>
    private static CounterReservation Unavailable(SqliteException e) =>
        CounterReservation.StoreUnavailable(new StoreUnavailableException($"The SQLite store failed: {e.Message}", e));

    private async Task SweepExpiredAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, now.AddSeconds(30).UtcTicks, next) != next)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM counters WHERE window_end <= $now; DELETE FROM sliding_counters WHERE expires_ms <= $now;";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
