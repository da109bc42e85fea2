using Microsoft.Extensions.Time.Testing;
using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Tests.Limits;

/// <summary>Checks for stores that place windows by the gateway's clock (memory, SQLite).</summary>
internal static class GivenWindowChecks
{
    public static async Task NextWindowStartsFromZero_AndExpiredWindowsAreSwept(ICounterStore store, FakeTimeProvider clock, DateTimeOffset start)
    {
        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync("k", start, start.AddMinutes(1), 1, 1)).Outcome);
        Assert.Equal(CounterReservationOutcome.Full, (await store.TryReserveAsync("k", start, start.AddMinutes(1), 1, 1)).Outcome);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(CounterReservationOutcome.Acquired, (await store.TryReserveAsync("k", start.AddMinutes(1), start.AddMinutes(2), 1, 1)).Outcome);
    }
}
