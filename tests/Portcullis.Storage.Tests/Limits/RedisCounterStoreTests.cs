using Portcullis.Storage.Limits;
using Portcullis.Storage.Redis;
using Portcullis.TestServers;
using StackExchange.Redis;

namespace Portcullis.Storage.Tests.Limits;

public sealed class RedisCounterStoreTests(RedisServer redis) : CounterStoreContract, IAsyncLifetime
{
    private readonly List<RedisConnection> _connections = [];

    public async ValueTask InitializeAsync()
    {
        redis.Require();
        _connections.Add(await RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2)));
        _connections.Add(await RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    protected override (ICounterStore First, ICounterStore Second) CreatePair() =>
        (new RedisCounterStore(_connections[0]), new RedisCounterStore(_connections[1]));

    protected override bool HasItsOwnClock => true;

    [Fact]
    public async Task TheWindowIsPlacedByRedisTime_NotByTheGatewayClock()
    {
        var (first, second) = CreatePair();
        var key = NewKey();

        // Two gateways whose clocks are a day apart still count in one window.
        Assert.Equal(CounterReservationOutcome.Acquired, (await first.TryReserveAsync(key, Start, Start.AddMinutes(10), 1, 1)).Outcome);
        Assert.Equal(CounterReservationOutcome.Full, (await second.TryReserveAsync(key, Start.AddDays(1), Start.AddDays(1).AddMinutes(10), 1, 1)).Outcome);
    }

    [Fact]
    public async Task EveryCounterKey_ExpiresAtItsWindowEnd()
    {
        var (store, _) = CreatePair();
        var key = NewKey();
        var lease = (await store.TryReserveAsync(key, Start, Start.AddSeconds(60), 5, 1)).Lease;
        await store.RollbackAsync(lease!);

        var server = _connections[0].Multiplexer.GetServer(_connections[0].Multiplexer.GetEndPoints()[0]);
        var keys = server.Keys(pattern: RedisCounterStore.KeyPrefix + "*").ToList();
        Assert.NotEmpty(keys);
        foreach (var counterKey in keys)
        {
            var ttl = await _connections[0].Database.KeyTimeToLiveAsync(counterKey);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.Zero, TimeSpan.FromDays(1));
        }

        Assert.InRange(lease!.WindowEnd - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(61));
    }

    [Fact]
    public async Task RedisDown_ReservationsAreUnavailable_AndWorkAgainWhenItReturns()
    {
        await using var ownRedis = new RedisServer();
        await ownRedis.InitializeAsync();
        ownRedis.Require();
        await using var connection = await RedisConnection.ConnectAsync(ownRedis.Url, TimeSpan.FromMilliseconds(250));

        await BackendDown_ReservationsAreUnavailable_AndResumeAsync(new RedisCounterStore(connection),
            takeDown: ownRedis.StopAsync, bringBack: ownRedis.StartAsync, failsWithin: TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task RedisHung_ReservationsAreUnavailableWithinTheTimeout_AndWorkAgainWhenItAnswers()
    {
        redis.Require();
        await using var proxy = new StallingProxy(redis.Port);
        await using var connection = await RedisConnection.ConnectAsync($"redis://127.0.0.1:{proxy.Port}", TimeSpan.FromMilliseconds(250));
        var store = new RedisCounterStore(connection);
        var key = NewKey();
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(key, Start, End, 10, 1)).Outcome);

        proxy.Stall();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var stalled = await store.TryReserveAsync(key, Start, End, 10, 1);
        var failedAfter = started.Elapsed;
        proxy.Resume();

        Assert.Equal(CounterReservationOutcome.StoreUnavailable, stalled.Outcome);
        Assert.IsAssignableFrom<TimeoutException>(stalled.Error!.InnerException);
        Assert.InRange(failedAfter, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1.5));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var again = await store.TryReserveAsync(key, Start, End, 10, 1);
        while (again.Outcome == CounterReservationOutcome.StoreUnavailable && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            again = await store.TryReserveAsync(key, Start, End, 10, 1);
        }

        Assert.Equal(CounterReservationOutcome.Acquired, again.Outcome);
    }

    [Fact]
    public async Task ConnectionClosed_ReservationsAreUnavailable_AndARollbackFailsAsUnavailable()
    {
        redis.Require();
        var connection = await RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2));
        var store = new RedisCounterStore(connection);
        var key = NewKey();
        var held = await store.TryReserveAsync(key, Start, End, 10, 1);
        Assert.Equal(CounterReservationOutcome.Acquired, held.Outcome);

        // As when the gateway shuts down with calls in flight.
        await connection.DisposeAsync();

        Assert.Equal(CounterReservationOutcome.StoreUnavailable, (await store.TryReserveAsync(key, Start, End, 10, 1)).Outcome);
        Assert.Equal(CounterReservationOutcome.StoreUnavailable, (await store.TryReserveSlidingAsync(key, Start, TimeSpan.FromHours(1), 10, 1)).Outcome);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RollbackAsync(held.Lease!).AsTask());
    }
}
