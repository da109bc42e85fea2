using System.Diagnostics;
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

        var results = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryReserveAsync(key, Start, End, 100, 1).AsTask())));

        Assert.Equal(100, results.Count(r => r.Outcome == CounterReservationOutcome.Acquired));
        Assert.Equal(1900, results.Count(r => r.Outcome == CounterReservationOutcome.Full));
    }

    [Fact]
    public async Task Rollback_GivesTheAmountBack()
    {
        var (store, other) = CreatePair();
        var key = NewKey();
        var reservation = await store.TryReserveAsync(key, Start, End, 5, 5);

        Assert.Equal(CounterReservationOutcome.Full, (await other.TryReserveAsync(key, Start, End, 5, 1)).Outcome);
        await other.RollbackAsync(reservation.Lease!);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(key, Start, End, 5, 5)).Outcome);
    }

    [Fact]
    public async Task TryReserve_Acquired_CarriesTheLease_Full_CarriesNoRetryAfter()
    {
        var (store, _) = CreatePair();
        var key = NewKey();

        var acquired = await store.TryReserveAsync(key, Start, End, 3, 3);
        var full = await store.TryReserveAsync(key, Start, End, 3, 1);

        Assert.Equal(CounterReservationOutcome.Acquired, acquired.Outcome);
        Assert.Equal(3, acquired.Lease!.Amount);
        Assert.Null(acquired.Lease.Entry);
        Assert.Null(acquired.RetryAfter);
        Assert.Null(acquired.Error);
        Assert.Equal(CounterReservationOutcome.Full, full.Outcome);
        Assert.Null(full.Lease);
        // A fixed window's end is the one the caller placed: the store does not repeat it.
        Assert.Null(full.RetryAfter);
        Assert.Null(full.Error);
    }

    [Fact]
    public async Task TryReserve_AmountOverTheMax_IsRefused_WritesNothing_AndKeysAreIndependent()
    {
        var (store, _) = CreatePair();
        var (a, b) = (NewKey(), NewKey());

        Assert.Equal(CounterReservationOutcome.Full, (await store.TryReserveAsync(a, Start, End, 10, 11)).Outcome);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(a, Start, End, 10, 10)).Outcome);
        Assert.Equal(CounterReservationOutcome.Full, (await store.TryReserveAsync(a, Start, End, 10, 1)).Outcome);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync(b, Start, End, 10, 10)).Outcome);
    }

    [Fact]
    public async Task TryReserveSliding_2000ConcurrentReservationsFromTwoInstances_AdmitExactlyTheMax()
    {
        var (first, second) = CreatePair();
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => Task.Run(() => (i % 2 == 0 ? first : second).TryReserveSlidingAsync(key, Start, TimeSpan.FromDays(1), 100, 1).AsTask())));

        Assert.Equal(100, results.Count(r => r.Outcome == CounterReservationOutcome.Acquired));
        Assert.All(results.Where(r => r.Outcome != CounterReservationOutcome.Acquired), r =>
        {
            Assert.Equal(CounterReservationOutcome.Full, r.Outcome);
            Assert.True(r.RetryAfter > TimeSpan.Zero && r.RetryAfter <= TimeSpan.FromDays(1), $"Retry after {r.RetryAfter}.");
        });
    }

    [Fact]
    public async Task TryReserveSliding_Refused_SaysWhenItFits_OrThatItNeverCan_AndRollbackGivesBack()
    {
        var (store, other) = CreatePair();
        var key = NewKey();
        var window = TimeSpan.FromHours(1);
        var first = await store.TryReserveSlidingAsync(key, Start, window, 3, 2);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveSlidingAsync(key, Start, window, 3, 1)).Outcome);

        var full = await other.TryReserveSlidingAsync(key, Start, window, 3, 1);
        var never = await other.TryReserveSlidingAsync(key, Start, window, 3, 4);
        await other.RollbackAsync(first.Lease!);
        var afterRollback = await store.TryReserveSlidingAsync(key, Start, window, 3, 2);

        Assert.NotNull(first.Lease!.Entry);
        Assert.Equal(CounterReservationOutcome.Full, full.Outcome);
        Assert.InRange(full.RetryAfter!.Value, TimeSpan.FromMinutes(59), window);
        Assert.Equal(CounterReservationOutcome.Full, never.Outcome);
        Assert.Null(never.RetryAfter);
        Assert.Equal(CounterReservationOutcome.Acquired, afterRollback.Outcome);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveSlidingAsync(NewKey(), Start, window, 3, 3)).Outcome);
    }

    [Fact]
    public async Task TryReserveSliding_NeverAdmitsMoreThanTheMaxInAnyWindowLongInterval_AcrossAFixedBoundary()
    {
        var (store, _) = CreatePair();
        var key = NewKey();
        // A real window for a store with its own clock; a minute on the given clock otherwise.
        var window = HasItsOwnClock ? TimeSpan.FromSeconds(2) : TimeSpan.FromMinutes(1);
        var t0 = Start.AddSeconds(59);

        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveSlidingAsync(key, t0, window, 2, 1)).Outcome);
        await PassAsync(window / 2);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveSlidingAsync(key, t0 + window / 2, window, 2, 1)).Outcome);
        await PassAsync(window / 4);
        // A fixed window would have started afresh at 12:01:00 here.
        var atThreeQuarters = await store.TryReserveSlidingAsync(key, t0 + window * 3 / 4, window, 2, 1);
        await PassAsync(window / 4 + TimeSpan.FromMilliseconds(HasItsOwnClock ? 150 : 1));
        var afterTheFirstLeft = await store.TryReserveSlidingAsync(key, t0 + window + TimeSpan.FromMilliseconds(HasItsOwnClock ? 150 : 1), window, 2, 1);

        Assert.Equal(CounterReservationOutcome.Full, atThreeQuarters.Outcome);
        Assert.InRange(atThreeQuarters.RetryAfter!.Value, TimeSpan.Zero, window / 4 + TimeSpan.FromMilliseconds(100));
        Assert.Equal(CounterReservationOutcome.Acquired, afterTheFirstLeft.Outcome);
    }

    /// <summary>
    /// What a store whose backend can fail must do while it is down: answer every reservation,
    /// fixed or sliding, with <see cref="CounterReservationOutcome.StoreUnavailable"/> (never admit,
    /// never throw) within <paramref name="failsWithin"/>, fail a rollback with
    /// <see cref="StoreUnavailableException"/>, and reserve again once the backend is back. A store
    /// that decides fixed windows in memory and writes them behind may keep deciding for up to
    /// <paramref name="decidesInMemoryFor"/> after the outage began, within the limit.
    /// </summary>
    protected static async Task BackendDown_ReservationsAreUnavailable_AndResumeAsync(ICounterStore store, Func<Task> takeDown, Func<Task> bringBack,
        TimeSpan failsWithin, TimeSpan? decidesInMemoryFor = null)
    {
        var key = NewKey();
        var held = await store.TryReserveAsync(key, Start, End, 10, 1);
        Assert.Equal(CounterReservationOutcome.Acquired, held.Outcome);
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveSlidingAsync(key, Start, TimeSpan.FromHours(1), 10, 1)).Outcome);

        await takeDown();
        if (decidesInMemoryFor is { } inMemory)
        {
            var noticing = Stopwatch.StartNew();
            var admitted = 1;
            while ((await store.TryReserveAsync(key, Start, End, 10, 1)).Outcome == CounterReservationOutcome.Acquired)
            {
                admitted++;
                Assert.True(admitted <= 10, "More reservations were admitted in memory than the limit allows.");
                Assert.True(noticing.Elapsed < inMemory, $"Reservations were still decided in memory {noticing.Elapsed} into the outage.");
                // Slow enough to leave room under the limit for the reservation after the outage.
                await Task.Delay(50);
            }
        }

        var clock = Stopwatch.StartNew();
        var fixedDown = await store.TryReserveAsync(key, Start, End, 10, 1);
        var slidingDown = await store.TryReserveSlidingAsync(key, Start, TimeSpan.FromHours(1), 10, 1);
        var took = clock.Elapsed;
        var rollbackError = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RollbackAsync(held.Lease!).AsTask());
        await bringBack();

        Assert.All([fixedDown, slidingDown], down =>
        {
            Assert.Equal(CounterReservationOutcome.StoreUnavailable, down.Outcome);
            Assert.Null(down.Lease);
            Assert.Null(down.RetryAfter);
            Assert.False(string.IsNullOrWhiteSpace(down.Error!.Message));
            Assert.NotNull(down.Error.InnerException);
        });
        Assert.NotNull(rollbackError.InnerException);
        Assert.True(took < failsWithin, $"Two reservations took {took} while the store was down.");

        // A store may reconnect in the background: it answers again within a few seconds.
        var deadline = Stopwatch.StartNew();
        var again = await store.TryReserveAsync(key, Start, End, 10, 1);
        while (again.Outcome == CounterReservationOutcome.StoreUnavailable && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            again = await store.TryReserveAsync(key, Start, End, 10, 1);
        }

        Assert.Equal(CounterReservationOutcome.Acquired, again.Outcome);
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
