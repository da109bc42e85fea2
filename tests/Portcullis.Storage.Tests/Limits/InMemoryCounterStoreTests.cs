using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Tests.Limits;

public sealed class InMemoryCounterStoreTests : CounterStoreContract
{
    protected override (ICounterStore First, ICounterStore Second) CreatePair()
    {
        var store = new InMemoryCounterStore(Clock);
        return (store, store);
    }

    [Fact]
    public Task NextWindow_StartsFromZero() =>
        GivenWindowChecks.NextWindowStartsFromZero_AndExpiredWindowsAreSwept(new InMemoryCounterStore(Clock), Clock, Start);
}
