using Microsoft.Data.Sqlite;
using Portcullis.Storage.Pins;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Pins;

/// <summary>What every pin store must do; each store's test class supplies two handles on one store (two gateway instances).</summary>
public abstract class ToolPinStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<(IToolPinStore First, IToolPinStore Second)> CreatePairAsync();

    private static ToolPin Pinned(string tool, string hash = "h1") => new()
    {
        Server = "docs",
        Tool = tool,
        ApprovedHash = hash,
        ApprovedDefinition = $$"""{"name":"{{tool}}","description":"{{hash}}"}""",
        ApprovedBy = "first-seen",
        ApprovedAt = Now,
        FirstSeen = Now,
    };

    [Fact]
    public async Task Add_Get_List_RoundTripEveryField_AndAddNeverOverwrites()
    {
        var (store, other) = await CreatePairAsync();
        var unapproved = new ToolPin { Server = "docs", Tool = "export", PendingHash = "p1", PendingDefinition = """{"name":"export"}""", PendingSince = Now, FirstSeen = Now };

        Assert.True(await store.AddAsync(Pinned("search")));
        Assert.True(await store.AddAsync(unapproved));
        Assert.True(await store.AddAsync(Pinned("search") with { Server = "other" }));
        Assert.False(await other.AddAsync(Pinned("search", "h2")));

        Assert.Equal(Pinned("search"), await other.GetAsync("docs", "search"));
        Assert.Equal(unapproved, await other.GetAsync("docs", "export"));
        Assert.Equal(ToolPinState.Unapproved, unapproved.State);
        Assert.Null(await other.GetAsync("docs", "nothing"));
        Assert.Equal(["export", "search"], (await other.ListAsync("docs")).Select(p => p.Tool));
        Assert.Empty(await other.ListAsync("nowhere"));
    }

    [Fact]
    public async Task MarkChanged_RecordsANewDefinitionOnce_HoweverManyInstancesSeeIt()
    {
        var (store, other) = await CreatePairAsync();
        await store.AddAsync(Pinned("search"));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? store : other).MarkChangedAsync("docs", "search", "h2", """{"name":"search","description":"h2"}""", Now.AddMinutes(1)).AsTask())));

        Assert.Single(outcomes, recorded => recorded);
        var changed = await other.GetAsync("docs", "search");
        Assert.Equal((ToolPinState.Changed, "h1", "h2", Now.AddMinutes(1)), (changed!.State, changed.ApprovedHash, changed.PendingHash, changed.PendingSince));
        Assert.True(await store.MarkChangedAsync("docs", "search", "h3", """{"name":"search","description":"h3"}""", Now.AddMinutes(2)));
        Assert.Equal("h3", (await other.GetAsync("docs", "search"))!.PendingHash);
        Assert.False(await store.MarkChangedAsync("docs", "nothing", "h3", "{}", Now));
    }

    [Fact]
    public async Task ClearChange_ForgetsTheChangeOnlyWhenTheApprovedDefinitionIsBack()
    {
        var (store, other) = await CreatePairAsync();
        await store.AddAsync(Pinned("search"));
        await store.MarkChangedAsync("docs", "search", "h2", "{}", Now);

        Assert.False(await other.ClearChangeAsync("docs", "search", "h2"));
        Assert.True(await other.ClearChangeAsync("docs", "search", "h1"));
        Assert.False(await store.ClearChangeAsync("docs", "search", "h1"));
        var pin = await store.GetAsync("docs", "search");
        Assert.Equal((ToolPinState.Pinned, null, null, null), (pin!.State, pin.PendingHash, pin.PendingDefinition, pin.PendingSince));
    }

    [Fact]
    public async Task Approve_MakesTheReviewedDefinitionTheApprovedOne_OnlyIfItIsStillTheOneAwaitingReview()
    {
        var (store, other) = await CreatePairAsync();
        await store.AddAsync(Pinned("search"));
        await store.MarkChangedAsync("docs", "search", "h2", """{"name":"search","description":"h2"}""", Now);

        Assert.False(await other.ApproveAsync("docs", "search", "h1", "ops", Now.AddMinutes(1)));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            (i % 2 == 0 ? store : other).ApproveAsync("docs", "search", "h2", $"ops-{i}", Now.AddMinutes(1)).AsTask())));

        Assert.Single(outcomes, approved => approved);
        var pin = await store.GetAsync("docs", "search");
        Assert.Equal(ToolPinState.Pinned, pin!.State);
        Assert.Equal(("h2", """{"name":"search","description":"h2"}""", Now.AddMinutes(1)), (pin.ApprovedHash, pin.ApprovedDefinition, pin.ApprovedAt));
        Assert.StartsWith("ops-", pin.ApprovedBy, StringComparison.Ordinal);
        Assert.False(await other.ApproveAsync("docs", "nothing", "h2", "ops", Now));
    }
}

public sealed class InMemoryToolPinStoreTests : ToolPinStoreContract
{
    protected override Task<(IToolPinStore First, IToolPinStore Second)> CreatePairAsync()
    {
        var store = new InMemoryToolPinStore();
        return Task.FromResult<(IToolPinStore, IToolPinStore)>((store, store));
    }
}

public sealed class SqliteToolPinStoreTests : ToolPinStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-pins-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<(IToolPinStore First, IToolPinStore Second)> CreatePairAsync()
    {
        var path = Path.Combine(_directory, "state.db");
        return Task.FromResult<(IToolPinStore, IToolPinStore)>((new SqliteToolPinStore(path), new SqliteToolPinStore(path)));
    }
}

public sealed class PostgresToolPinStoreTests(PostgresServer postgres) : ToolPinStoreContract, IAsyncDisposable
{
    private readonly PostgresHandles _databases = new(postgres);

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    protected override async Task<(IToolPinStore First, IToolPinStore Second)> CreatePairAsync()
    {
        var (first, second) = await _databases.OpenPairAsync();
        return (new PostgresToolPinStore(first), new PostgresToolPinStore(second));
    }
}
