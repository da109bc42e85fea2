using Portcullis.Storage.Policies;

namespace Portcullis.Storage.Tests.Policies;

/// <summary>What every policy store must do; each store's test class supplies two handles on one store.</summary>
public abstract class PolicyStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<(IPolicyStore First, IPolicyStore Second)> CreatePairAsync();

    protected static NewPolicyVersion Policy(string server, string text, string source = "cli") =>
        new(server, text, "json", source, "saved by a test", Now);

    [Fact]
    public async Task Saves_AreNumberedOneUp_PerServer_AndListedNewestFirst()
    {
        var (store, other) = await CreatePairAsync();

        Assert.Equal(1, (await store.SaveAsync(Policy("a", "{\"v\":1}"))).Version);
        Assert.Equal(2, (await other.SaveAsync(Policy("a", "{\"v\":2}"))).Version);
        Assert.Equal(1, (await store.SaveAsync(Policy("b", "{\"v\":1}"))).Version);

        var history = await other.ListAsync("a");
        Assert.Equal([2, 1], history.Select(v => v.Version));
        Assert.Equal("{\"v\":2}", history[0].Text);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }, await store.LatestVersionsAsync());
    }

    [Fact]
    public async Task Get_AndLatest_ReturnTheSavedFields()
    {
        var (store, other) = await CreatePairAsync();
        var saved = await store.SaveAsync(Policy("a", "version: 1", "file") with { Format = "yaml" });
        await store.SaveAsync(Policy("a", "{}", "cli"));

        Assert.Equal(saved, await other.GetAsync("a", 1));
        Assert.Equal(2, (await other.LatestAsync("a"))!.Version);
        Assert.Equal(saved, await other.LatestAsync("a", "file"));
        Assert.Null(await other.GetAsync("a", 3));
        Assert.Null(await other.LatestAsync("missing"));
        Assert.Empty(await other.ListAsync("missing"));
    }

    [Fact]
    public async Task ConcurrentSaves_FromTwoInstances_GetDistinctContiguousNumbers()
    {
        var (first, second) = await CreatePairAsync();

        var saved = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).SaveAsync(Policy("c", $"{{\"i\":{i}}}")).AsTask())));

        Assert.Equal(Enumerable.Range(1, 40), saved.Select(v => v.Version).Order());
    }
}
