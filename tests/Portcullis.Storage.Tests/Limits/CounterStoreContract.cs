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

    /// <summary>Whether the store reads its own clock (Redis) rather than the time it is given: then time passes for real in the sliding test.</summary>
    protected virtual bool HasItsOwnClock => false;

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

    [Fact]
    public async Task TryReserveSliding_2000ConcurrentReservationsFromTwoInstances_AdmitExactlyTheMax()
    {
        var (first, second) = CreatePair();
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryReserveSlidingAsync(key, Start, TimeSpan.FromDays(1), 100, 1).AsTask())));

        Assert.Equal(100, results.Count(r => r.Lease is not null));
        Assert.All(results.Where(r => r.Lease is null), r => Assert.True(r.RetryAfter > TimeSpan.Zero && r.RetryAfter <= TimeSpan.FromDays(1)));
    }

    [Fact]
    public async Task TryReserveSliding_Refused_SaysWhenItFits_OrThatItNeverCan_AndRollbackGivesBack()
    {
        var (store, other) = CreatePair();
        var key = NewKey();
        var window = TimeSpan.FromHours(1);
        var first = await store.TryReserveSlidingAsync(key, Start, window, 3, 2);
        Assert.NotNull((await store.TryReserveSlidingAsync(key, Start, window, 3, 1)).Lease);

        var full = await other.TryReserveSlidingAsync(key, Start, window, 3, 1);
        var never = await other.TryReserveSlidingAsync(key, Start, window, 3, 4);
        await other.RollbackAsync(first.Lease!);
        var afterRollback = await store.TryReserveSlidingAsync(key, Start, window, 3, 2);

        Assert.Null(full.Lease);
        Assert.InRange(full.RetryAfter!.Value, TimeSpan.FromMinutes(59), window);
        Assert.Null(never.Lease);
        Assert.Null(never.RetryAfter);
        Assert.NotNull(afterRollback.Lease);
        Assert.NotNull((await store.TryReserveSlidingAsync(NewKey(), Start, window, 3, 3)).Lease);
    }

    [Fact]
    public async Task TryReserveSliding_NeverAdmitsMoreThanTheMaxInAnyWindowLongInterval_AcrossAFixedBoundary()
    {
        var (store, _) = CreatePair();
        var key = NewKey();
        // A real window for a store with its own clock; a minute on the given clock otherwise.
        var window = HasItsOwnClock ? TimeSpan.FromSeconds(2) : TimeSpan.FromMinutes(1);
        var t0 = Start.AddSeconds(59);

        Assert.NotNull((await store.TryReserveSlidingAsync(key, t0, window, 2, 1)).Lease);
        await PassAsync(window / 2);
        Assert.NotNull((await store.TryReserveSlidingAsync(key, t0 + window / 2, window, 2, 1)).Lease);
        await PassAsync(window / 4);
        // A fixed window would have started afresh at 12:01:00 here.
        var atThreeQuarters = await store.TryReserveSlidingAsync(key, t0 + window * 3 / 4, window, 2, 1);
        await PassAsync(window / 4 + TimeSpan.FromMilliseconds(HasItsOwnClock ? 150 : 1));
        var afterTheFirstLeft = await store.TryReserveSlidingAsync(key, t0 + window + TimeSpan.FromMilliseconds(HasItsOwnClock ? 150 : 1), window, 2, 1);

        Assert.Null(atThreeQuarters.Lease);
        Assert.InRange(atThreeQuarters.RetryAfter!.Value, TimeSpan.Zero, window / 4 + TimeSpan.FromMilliseconds(100));
        Assert.NotNull(afterTheFirstLeft.Lease);
    }

    private async Task PassAsync(TimeSpan time)
    {
        if (HasItsOwnClock)
        {
            await Task.Delay(time);
        }
        else
        {
            Clock.Advance(time);
        }
    }
}
