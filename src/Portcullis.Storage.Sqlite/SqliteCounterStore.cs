using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Counters in one SQLite file, exact across every process that opens it: a reservation is a
/// single conditional UPSERT … RETURNING, so the check and the increment are one atomic write
/// under SQLite's write lock, never a read followed by a write.
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
    public async ValueTask<CounterLease?> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var windowKey = CounterLease.WindowKey(key, windowStart);
        return await SqliteFile.GuardAsync(() => ReserveAsync(windowKey, windowEnd, max, amount, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE counters SET value = max(0, value - $amount) WHERE key = $key";
            command.Parameters.AddWithValue("$key", lease.Key);
            command.Parameters.AddWithValue("$amount", lease.Amount);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private async Task<CounterLease?> ReserveAsync(string key, DateTimeOffset windowEnd, long max, long amount, CancellationToken cancellationToken)
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
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$amount", amount);
        command.Parameters.AddWithValue("$max", max);
        command.Parameters.AddWithValue("$windowEnd", windowEnd.ToUnixTimeMilliseconds());
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is null ? null : new CounterLease(key, amount, windowEnd);
    }

    private async Task SweepExpiredAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, now.AddSeconds(30).UtcTicks, next) != next)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM counters WHERE window_end <= $now";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
