using Microsoft.Data.Sqlite;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Approvals;

/// <summary>What every approval store must do; each store's test class supplies two handles on one store.</summary>
public abstract class ApprovalStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<(IApprovalStore First, IApprovalStore Second)> CreatePairAsync();

    private static ApprovalRequest Request(string id, DateTimeOffset at, string hash = "h1") => new()
    {
        Id = id,
        Grant = "agent",
        Server = "codex",
        Tool = "code_generate",
        Arguments = """["description"]""",
        ArgumentsHash = hash,
        RuleId = "/tools/code_generate/approval",
        Reason = "Approval needed.",
        RequestedAt = at,
        ExpiresAt = at.AddMinutes(10),
    };

    [Fact]
    public async Task Create_Get_List_RoundTripEveryField()
    {
        var (store, other) = await CreatePairAsync();
        await store.CreateAsync(Request("apr_1", Now));
        await store.CreateAsync(Request("apr_2", Now.AddSeconds(1)));

        Assert.Equal(Request("apr_1", Now), await other.GetAsync("apr_1"));
        Assert.Null(await other.GetAsync("apr_9"));
        Assert.Equal(["apr_2", "apr_1"], (await other.ListAsync(ApprovalStatus.Pending, 10)).Select(a => a.Id));
        Assert.Empty(await other.ListAsync(ApprovalStatus.Approved, 10));
    }

    [Fact]
    public async Task Decide_ChangesOnlyAPendingApproval_AndTheFirstDecisionWins()
    {
        var (store, other) = await CreatePairAsync();
        await store.CreateAsync(Request("apr_1", Now));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? store : other)
            .DecideAsync("apr_1", i % 2 == 0 ? ApprovalStatus.Approved : ApprovalStatus.TimedOut, $"who-{i}", "ok", Now.AddMinutes(1)).AsTask())));

        Assert.Single(outcomes, won => won);
        var decided = await other.GetAsync("apr_1");
        Assert.NotEqual(ApprovalStatus.Pending, decided!.Status);
        Assert.Equal(Now.AddMinutes(1), decided.DecidedAt);
        Assert.False(await store.DecideAsync("apr_9", ApprovalStatus.Approved, "x", null, Now));
    }

    [Fact]
    public async Task FindApproved_MatchesIdenticalCallsApprovedSinceTheGivenTime()
    {
        var (store, other) = await CreatePairAsync();
        await store.CreateAsync(Request("apr_1", Now, hash: "same"));
        await store.CreateAsync(Request("apr_2", Now, hash: "other"));
        await store.DecideAsync("apr_1", ApprovalStatus.Approved, "ops", null, Now.AddMinutes(1));
        await store.DecideAsync("apr_2", ApprovalStatus.Denied, "ops", null, Now.AddMinutes(1));

        Assert.Equal("apr_1", (await other.FindApprovedAsync("agent", "codex", "code_generate", "same", Now))?.Id);
        Assert.Null(await other.FindApprovedAsync("agent", "codex", "code_generate", "same", Now.AddMinutes(2)));
        Assert.Null(await other.FindApprovedAsync("agent", "codex", "code_generate", "other", Now));
        Assert.Null(await other.FindApprovedAsync("someone-else", "codex", "code_generate", "same", Now));
    }
}

public sealed class InMemoryApprovalStoreTests : ApprovalStoreContract
{
    protected override Task<(IApprovalStore First, IApprovalStore Second)> CreatePairAsync()
    {
        var store = new InMemoryApprovalStore();
        return Task.FromResult<(IApprovalStore, IApprovalStore)>((store, store));
    }
}

public sealed class SqliteApprovalStoreTests : ApprovalStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-approvals-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<(IApprovalStore First, IApprovalStore Second)> CreatePairAsync()
    {
        var path = Path.Combine(_directory, "state.db");
        return Task.FromResult<(IApprovalStore, IApprovalStore)>((new SqliteApprovalStore(path), new SqliteApprovalStore(path)));
    }
}

public sealed class PostgresApprovalStoreTests(PostgresServer postgres) : ApprovalStoreContract, IAsyncDisposable
{
    private readonly PostgresHandles _databases = new(postgres);

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    protected override async Task<(IApprovalStore First, IApprovalStore Second)> CreatePairAsync()
    {
        var (first, second) = await _databases.OpenPairAsync();
        return (new PostgresApprovalStore(first), new PostgresApprovalStore(second));
    }
}
