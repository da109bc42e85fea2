using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Redis;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Benchmarks;

/// <summary>
/// One reservation on a counter that never fills, per store, on a fixed window and on a sliding
/// one. A sliding log keeps one entry per call for a window; here the window is 10 ms, so the log
/// stays short and the rows measure the fixed cost (SQLite and Redis also scan the window's
/// entries, a cost that grows with the calls a window holds). The Redis rows run only when
/// <c>PORTCULLIS_BENCH_REDIS</c> names a server (e.g. <c>redis://127.0.0.1:6379</c>); it
/// includes the loopback round trip. SQLite has two fixed-window rows: a store that has its file
/// to itself owns the counters and decides in memory; one that shares the file with another store
/// (as a second gateway would) reserves in the file, one write each.
/// </summary>
[MemoryDiagnoser]
public class CounterReservationBenchmark
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 86400 * 86400);

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-bench-").FullName;
    private InMemoryCounterStore _memory = null!;
    private SqliteCounterStore _sqlite = null!;
    private SqliteCounterStore _sqliteShared = null!;
    private SqliteCounterStore _sqliteSharing = null!;
    private RedisConnection? _redisConnection;
    private RedisCounterStore? _redis;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new InMemoryCounterStore(TimeProvider.System);
        _sqlite = new SqliteCounterStore(Path.Combine(_directory, "state.db"), TimeProvider.System);
        // Two stores on a second file: the second one's first reservation makes the first hand over, so both reserve in the file.
        _sqliteShared = new SqliteCounterStore(Path.Combine(_directory, "shared.db"), TimeProvider.System);
        _sqliteSharing = new SqliteCounterStore(Path.Combine(_directory, "shared.db"), TimeProvider.System);
        _ = _sqliteShared.TryReserveAsync("setup", s_start, s_start.AddDays(1), long.MaxValue, 1).AsTask().GetAwaiter().GetResult();
        _ = _sqliteSharing.TryReserveAsync("setup", s_start, s_start.AddDays(1), long.MaxValue, 1).AsTask().GetAwaiter().GetResult();
        if (Environment.GetEnvironmentVariable("PORTCULLIS_BENCH_REDIS") is { Length: > 0 } redis)
        {
            _redisConnection = RedisConnection.ConnectAsync(redis, TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            _redis = new RedisCounterStore(_redisConnection);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _redisConnection?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var store in new[] { _sqlite, _sqliteShared, _sqliteSharing })
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "memory")]
    public ValueTask<CounterReservation> Memory() => _memory.TryReserveAsync("srv:codex|grant:alice|counter:calls", s_start, s_start.AddDays(1), long.MaxValue, 1);

    [Benchmark(Description = "SQLite (WAL, one file), owned by this process")]
    public ValueTask<CounterReservation> Sqlite() => _sqlite.TryReserveAsync("srv:codex|grant:alice|counter:calls", s_start, s_start.AddDays(1), long.MaxValue, 1);

    [Benchmark(Description = "SQLite (WAL, one file), shared with another process")]
    public ValueTask<CounterReservation> SqliteShared() =>
        _sqliteSharing.TryReserveAsync("srv:codex|grant:alice|counter:calls", s_start, s_start.AddDays(1), long.MaxValue, 1);

    [Benchmark(Description = "memory, sliding")]
    public ValueTask<CounterReservation> MemorySliding() =>
        _memory.TryReserveSlidingAsync("srv:codex|grant:alice|counter:sliding", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10), long.MaxValue, 1);

    [Benchmark(Description = "SQLite (WAL, one file), sliding")]
    public ValueTask<CounterReservation> SqliteSliding() =>
        _sqlite.TryReserveSlidingAsync("srv:codex|grant:alice|counter:sliding", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10), long.MaxValue, 1);

    [Benchmark(Description = "Redis (Lua script, loopback), sliding")]
    public ValueTask<CounterReservation> RedisSliding() =>
        _redis?.TryReserveSlidingAsync("bench|counter:sliding", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10), long.MaxValue, 1)
        ?? throw new InvalidOperationException("Set PORTCULLIS_BENCH_REDIS to a Redis address to run this row.");

    [Benchmark(Description = "Redis (Lua script, loopback)")]
    public ValueTask<CounterReservation> Redis() =>
        _redis?.TryReserveAsync("bench|counter:calls", s_start, s_start.AddDays(1), long.MaxValue, 1)
        ?? throw new InvalidOperationException("Set PORTCULLIS_BENCH_REDIS to a Redis address to run this row.");
}
