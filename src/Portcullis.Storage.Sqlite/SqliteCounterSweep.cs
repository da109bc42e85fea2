namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Deletes a file's counters whose window ended, at most every 30 s: whoever writes counters next
/// after that (a reservation in the file, or the owner writing its changes) does it in the same
/// transaction.
/// </summary>
internal sealed class SqliteCounterSweep(TimeProvider timeProvider)
{
    private long _nextSweepTicks;

    /// <summary>The time to sweep at, when this caller is the one to do it, or null.</summary>
    public DateTimeOffset? Due()
    {
        var now = timeProvider.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweepTicks);
        return now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, now.AddSeconds(30).UtcTicks, next) != next ? null : now;
    }

    /// <summary>Deletes what ended before <paramref name="now"/>, when a sweep is due.</summary>
    public static void Run(SqliteBatch batch, DateTimeOffset? now)
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
