using Microsoft.Extensions.Time.Testing;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Tests.Limits;

/// <summary>What every counter store must do; each store's test class supplies two handles on one store.</summary>
public abstract class CounterStoreContract
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>Two handles on the same counters (for SQLite: two store instances on one file).</summary>
    protected abstract (ICounterStore First, ICounterStore Second) CreatePair();

    [Fact]
    public async Task TryReserve_2000ConcurrentReservationsFromTwoInstances_AdmitExactlyTheMax()
    {
        var (first, second) = CreatePair();
        var end = Start.AddMinutes(1);

        var leases = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryReserveAsync("k", end, 100, 1).AsTask())));

        Assert.Equal(100, leases.Count(l => l is not null));
    }

    [Fact]
    public async Task Rollback_GivesTheAmountBack()
    {
        var (store, _) = CreatePair();
        var end = Start.AddMinutes(1);
        var lease = await store.TryReserveAsync("k", end, 5, 5);

        Assert.Null(await store.TryReserveAsync("k", end, 5, 1));
        await store.RollbackAsync(lease!);
        Assert.NotNull(await store.TryReserveAsync("k", end, 5, 5));
    }

    [Fact]
    public async Task TryReserve_AmountOverTheMax_IsRefused_AndKeysAreIndependent()
    {
        var (store, _) = CreatePair();
        var end = Start.AddMinutes(1);

        Assert.Null(await store.TryReserveAsync("a", end, 10, 11));
        Assert.NotNull(await store.TryReserveAsync("a", end, 10, 10));
        Assert.Null(await store.TryReserveAsync("a", end, 10, 1));
        Assert.NotNull(await store.TryReserveAsync("b", end, 10, 10));
    }

    [Fact]
    public async Task ExpiredWindows_AreSweptAway()
    {
        var (store, _) = CreatePair();
        await store.TryReserveAsync("old", Start.AddSeconds(1), 1, 1);

        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.TryReserveAsync("new", Start.AddMinutes(2), 1, 1);

        Assert.NotNull(await store.TryReserveAsync("old", Start.AddMinutes(2), 1, 1));
    }
}
