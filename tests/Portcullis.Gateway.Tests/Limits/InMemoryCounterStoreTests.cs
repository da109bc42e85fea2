using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Limits;

namespace Portcullis.Gateway.Tests.Limits;

public sealed class InMemoryCounterStoreTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TryReserve_2000ConcurrentReservations_AdmitsExactlyTheMax()
    {
        var store = new InMemoryCounterStore(new FakeTimeProvider(s_start));
        var end = s_start.AddMinutes(1);

        var leases = await Task.WhenAll(Enumerable.Range(0, 2000).Select(_ => Task.Run(() => store.TryReserveAsync("k", end, 100, 1).AsTask())));

        Assert.Equal(100, leases.Count(l => l is not null));
    }

    [Fact]
    public async Task Rollback_GivesTheAmountBack()
    {
        var store = new InMemoryCounterStore(new FakeTimeProvider(s_start));
        var end = s_start.AddMinutes(1);
        var lease = await store.TryReserveAsync("k", end, 5, 5);

        Assert.Null(await store.TryReserveAsync("k", end, 5, 1));
        await store.RollbackAsync(lease!);
        Assert.NotNull(await store.TryReserveAsync("k", end, 5, 5));
    }

    [Fact]
    public async Task TryReserve_AmountLargerThanMax_IsRefused_AndKeysAreIndependent()
    {
        var store = new InMemoryCounterStore(new FakeTimeProvider(s_start));
        var end = s_start.AddMinutes(1);

        Assert.Null(await store.TryReserveAsync("a", end, 10, 11));
        Assert.NotNull(await store.TryReserveAsync("a", end, 10, 10));
        Assert.NotNull(await store.TryReserveAsync("b", end, 10, 10));
    }

    [Fact]
    public async Task ExpiredWindows_AreSwept()
    {
        var clock = new FakeTimeProvider(s_start);
        var store = new InMemoryCounterStore(clock);
        await store.TryReserveAsync("old", s_start.AddSeconds(1), 1, 1);

        clock.Advance(TimeSpan.FromMinutes(1));
        await store.TryReserveAsync("new", s_start.AddMinutes(2), 1, 1);

        // The old key is gone: reserving under it starts from zero again.
        Assert.NotNull(await store.TryReserveAsync("old", s_start.AddMinutes(2), 1, 1));
    }
}
