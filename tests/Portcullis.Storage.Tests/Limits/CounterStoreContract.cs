using Microsoft.Extensions.Time.Testing;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Tests.Limits;

/// <summary>What every counter store must do; each store's test class supplies two handles on one store.</summary>
public abstract class CounterStoreContract
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>A window long enough that a store using its own clock does not cross a boundary during a test.</summary>
    protected static DateTimeOffset End => Start.AddDays(1);

    /// <summary>A counter key no other test uses (stores may be shared by a whole test run).</summary>
    protected static string NewKey() => "test-" + Guid.NewGuid().ToString("N");

    /// <summary>Two handles on the same counters (two store instances, as two gateways would have).</summary>
    protected abstract (ICounterStore First, ICounterStore Second) CreatePair();

    [Fact]
    public async Task TryReserve_2000ConcurrentReservationsFromTwoInstances_AdmitExactlyTheMax()
    {
        var (first, second) = CreatePair();
        var key = NewKey();

        var leases = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryReserveAsync(key, Start, End, 100, 1).AsTask())));

        Assert.Equal(100, leases.Count(l => l is not null));
    }

    [Fact]
    public async Task Rollback_GivesTheAmountBack()
    {
        var (store, other) = CreatePair();
        var key = NewKey();
        var lease = await store.TryReserveAsync(key, Start, End, 5, 5);

        Assert.Null(await other.TryReserveAsync(key, Start, End, 5, 1));
        await other.RollbackAsync(lease!);
        Assert.NotNull(await store.TryReserveAsync(key, Start, End, 5, 5));
    }

    [Fact]
    public async Task TryReserve_AmountOverTheMax_IsRefused_WritesNothing_AndKeysAreIndependent()
    {
        var (store, _) = CreatePair();
        var (a, b) = (NewKey(), NewKey());

        Assert.Null(await store.TryReserveAsync(a, Start, End, 10, 11));
        Assert.NotNull(await store.TryReserveAsync(a, Start, End, 10, 10));
        Assert.Null(await store.TryReserveAsync(a, Start, End, 10, 1));
        Assert.NotNull(await store.TryReserveAsync(b, Start, End, 10, 10));
    }
}
