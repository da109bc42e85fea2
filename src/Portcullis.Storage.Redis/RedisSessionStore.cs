using System.Globalization;
using Portcullis.Storage.Sessions;
using StackExchange.Redis;

namespace Portcullis.Storage.Redis;

/// <summary>
/// Sessions in Redis, shared by every gateway instance: a hash per session plus one sorted set of
/// last-used times for the idle sweep. Each key also expires by itself after
/// <paramref name="retention"/> without use, so a session nobody sweeps cannot live forever.
/// Ending a session moves a change stamp key in the same script.
/// Uses several keys per script: Redis standalone or Sentinel, not Cluster.
/// </summary>
public sealed class RedisSessionStore(RedisConnection connection, TimeSpan retention) : ISessionStore
{
    private const string KeyPrefix = "portcullis:session:";
    private static readonly RedisKey s_lastUsed = "portcullis:sessions:last-used";
    private static readonly RedisKey s_changeStamp = "portcullis:sessions:change-stamp";

    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'grant', ARGV[2], 'server', ARGV[3], 'upstream', ARGV[4], 'created', ARGV[5], 'used', ARGV[6])
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
        return 1
        """;

    private const string FindScript = """
        local s = redis.call('HMGET', KEYS[1], 'grant', 'server', 'upstream', 'created', 'used')
        if not s[1] then
            redis.call('ZREM', KEYS[2], ARGV[1])
            return false
        end
        if tonumber(ARGV[2]) - tonumber(s[5]) >= tonumber(ARGV[3]) then
            s[5] = ARGV[2]
            redis.call('HSET', KEYS[1], 'used', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        end
        return s
        """;

    private const string RemoveScript = """
        redis.call('ZREM', KEYS[2], ARGV[1])
        local removed = redis.call('DEL', KEYS[1])
        if removed == 1 then redis.call('INCR', KEYS[3]) end
        return removed
        """;

    // Removes the session only if it is still idle, so exactly one sweeper gets it and a session
    // used since the candidates were listed survives.
    private const string RemoveIfIdleScript = """
        local s = redis.call('HMGET', KEYS[1], 'grant', 'server', 'upstream', 'created', 'used')
        if not s[1] then
            redis.call('ZREM', KEYS[2], ARGV[1])
            return false
        end
        if tonumber(s[5]) >= tonumber(ARGV[2]) then return false end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('INCR', KEYS[3])
        return s
        """;

    /// <inheritdoc />
    public async ValueTask CreateAsync(StoredSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var created = await RedisConnection.GuardAsync(connection.Database.ScriptEvaluateAsync(CreateScript, [KeyPrefix + session.Id, s_lastUsed],
        [
            session.Id, session.GrantName, session.ServerId, session.UpstreamSessionId ?? string.Empty,
            session.CreatedAt.ToUnixTimeMilliseconds(), session.LastUsedAt.ToUnixTimeMilliseconds(), (long)retention.TotalMilliseconds,
        ])).ConfigureAwait(false);
        if ((long)created != 1)
        {
            throw new InvalidOperationException($"Session '{session.Id}' already exists.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<StoredSession?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var result = await RedisConnection.GuardAsync(connection.Database.ScriptEvaluateAsync(FindScript, [KeyPrefix + id, s_lastUsed],
            [id, now.ToUnixTimeMilliseconds(), (long)ISessionStore.TouchGranularity.TotalMilliseconds, (long)retention.TotalMilliseconds])).ConfigureAwait(false);
        return Read(id, result);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        var removed = await RedisConnection.GuardAsync(connection.Database.ScriptEvaluateAsync(RemoveScript, [KeyPrefix + id, s_lastUsed, s_changeStamp], [id])).ConfigureAwait(false);
        return (long)removed == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoredSession>> RemoveIdleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var cutoffMs = cutoff.ToUnixTimeMilliseconds();
        var candidates = await RedisConnection.GuardAsync(connection.Database.SortedSetRangeByScoreAsync(s_lastUsed, double.NegativeInfinity, cutoffMs,
            Exclude.Stop, take: 1000)).ConfigureAwait(false);
        var removed = new List<StoredSession>();
        foreach (var candidate in candidates)
        {
            var id = candidate.ToString();
            var result = await RedisConnection.GuardAsync(connection.Database.ScriptEvaluateAsync(RemoveIfIdleScript, [KeyPrefix + id, s_lastUsed, s_changeStamp],
                [id, cutoffMs])).ConfigureAwait(false);
            if (Read(id, result) is { } session)
            {
                removed.Add(session);
            }
        }

        return removed;
    }

    /// <inheritdoc />
    public async ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default)
    {
        var stamp = await RedisConnection.GuardAsync(connection.Database.StringGetAsync(s_changeStamp)).ConfigureAwait(false);
        return stamp.IsNull ? 0 : (long)stamp;
    }

    private static StoredSession? Read(string id, RedisResult result)
    {
        if (result.IsNull || result.Resp2Type != ResultType.Array)
        {
            return null;
        }

        var fields = (RedisValue[])result!;
        var upstream = fields[2].ToString();
        return new StoredSession
        {
            Id = id,
            GrantName = fields[0].ToString(),
            ServerId = fields[1].ToString(),
            UpstreamSessionId = upstream.Length == 0 ? null : upstream,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields[3].ToString(), CultureInfo.InvariantCulture)),
            LastUsedAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields[4].ToString(), CultureInfo.InvariantCulture)),
        };
    }
}
