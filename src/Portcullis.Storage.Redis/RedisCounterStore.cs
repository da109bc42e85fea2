using Portcullis.Storage.Limits;
using StackExchange.Redis;

namespace Portcullis.Storage.Redis;

/// <summary>
/// Counters in Redis, exact across every gateway instance: one Lua script per reservation checks
/// and increments atomically on the server. The window is placed by Redis's own clock
/// (<c>TIME</c>), so gateways whose clocks disagree still share one window; the key expires
/// when its window ends. A denied reservation writes nothing. While Redis cannot answer, a
/// reservation says the store is unavailable.
/// </summary>
public sealed class RedisCounterStore(RedisConnection connection) : ICounterStore
{
    /// <summary>The prefix of every counter key.</summary>
    public const string KeyPrefix = "portcullis:counter:";

    /// <summary>The prefix of every sliding counter's sorted set.</summary>
    public const string SlidingPrefix = "portcullis:sliding:";

    // The hash holds the window's end (ms) and the count; a stale window is replaced, not added to.
    private const string ReserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local len = tonumber(ARGV[1])
        local max = tonumber(ARGV[2])
        local amount = tonumber(ARGV[3])
        local window_end = (math.floor(now / len) + 1) * len
        local stored = redis.call('HMGET', KEYS[1], 'end', 'n')
        local current = 0
        if tonumber(stored[1]) == window_end then current = tonumber(stored[2]) end
        if current + amount > max then return {0, window_end} end
        redis.call('HSET', KEYS[1], 'end', window_end, 'n', current + amount)
        redis.call('PEXPIREAT', KEYS[1], window_end)
        return {1, window_end}
        """;

    // A sorted set per sliding counter: one member "entry:amount" per reservation, scored by when it
    // was made (Redis's clock, ms). Members that have left the window are trimmed first; on a refusal
    // the script also works out when the amount fits: the oldest members leave first.
    private const string ReserveSlidingScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[1])
        local max = tonumber(ARGV[2])
        local amount = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
        local total = 0
        for i = 1, #members, 2 do total = total + tonumber(string.match(members[i], ':(%d+)$')) end
        if amount <= max and total + amount <= max then
          redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. amount)
          redis.call('PEXPIRE', KEYS[1], window)
          return {1, window}
        end
        if amount > max then return {0, -1} end
        for i = 1, #members, 2 do
          total = total - tonumber(string.match(members[i], ':(%d+)$'))
          if total + amount <= max then return {0, tonumber(members[i + 1]) + window - now} end
        end
        return {0, 0}
        """;

    private const string RollbackScript = """
        local stored = redis.call('HMGET', KEYS[1], 'end', 'n')
        if tonumber(stored[1]) ~= tonumber(ARGV[1]) then return 0 end
        local n = tonumber(stored[2]) - tonumber(ARGV[2])
        if n < 0 then n = 0 end
        redis.call('HSET', KEYS[1], 'n', n)
        return 1
        """;

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var lengthMs = (long)(windowEnd - windowStart).TotalMilliseconds;
        RedisResult result;
        try
        {
            result = await connection.Database.ScriptEvaluateAsync(ReserveScript, [KeyPrefix + key], [lengthMs, max, amount]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return CounterReservation.StoreUnavailable(Unavailable(e));
        }

        var values = (RedisResult[])result!;
        var end = DateTimeOffset.FromUnixTimeMilliseconds((long)values[1]);
        return (long)values[0] == 1 ? CounterReservation.Acquired(new CounterLease(key, amount, end)) : CounterReservation.Full();
    }

    /// <inheritdoc />
    public async ValueTask<CounterReservation> TryReserveSlidingAsync(string key, DateTimeOffset now, TimeSpan window, long max, long amount,
        CancellationToken cancellationToken = default)
    {
        var entry = Guid.NewGuid().ToString("N");
        RedisResult result;
        try
        {
            result = await connection.Database.ScriptEvaluateAsync(ReserveSlidingScript,
                [SlidingPrefix + key], [(long)window.TotalMilliseconds, max, amount, entry]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return CounterReservation.StoreUnavailable(Unavailable(e));
        }

        var values = (RedisResult[])result!;
        var milliseconds = (long)values[1];
        if ((long)values[0] == 1)
        {
            return CounterReservation.Acquired(new CounterLease(key, amount, now + window) { Entry = entry + ":" + amount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return CounterReservation.Full(milliseconds < 0 ? null : TimeSpan.FromMilliseconds(Math.Max(0, milliseconds)));
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CounterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            if (lease.Entry is { } member)
            {
                await connection.Database.SortedSetRemoveAsync(SlidingPrefix + lease.Key, member).ConfigureAwait(false);
                return;
            }

            await connection.Database.ScriptEvaluateAsync(RollbackScript,
                [KeyPrefix + lease.Key], [lease.WindowEnd.ToUnixTimeMilliseconds(), lease.Amount]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> means Redis cannot answer: unreachable or refusing (<see cref="RedisException"/>),
    /// slower than the command timeout (<see cref="TimeoutException"/>, which <see cref="RedisTimeoutException"/> is),
    /// or the shared connection already closed while the gateway shuts down (<see cref="ObjectDisposedException"/>).
    /// </summary>
    private static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private static StoreUnavailableException Unavailable(Exception e) => new($"Redis is unavailable: {e.Message}", e);
}
