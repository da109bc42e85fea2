using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Tests.Audit;

/// <summary>What every queryable audit store must do, and how tampering with it is found.</summary>
public abstract class AuditStoreContract
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected static readonly byte[] Key = "checkpoint-key-for-tests-0123456789"u8.ToArray();

    protected abstract Task<IAuditStore> CreateAsync();

    /// <summary>Runs SQL against the store's database, as an attacker with database access would.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>The SQL expression that names one row by chain and seq.</summary>
    protected static string Row(long seq) => $"seq = {seq}";

    protected static List<AuditRecord> Chain(int calls, string id = "gateway@test/1")
    {
        var chain = new AuditChain(id);
        var records = new List<AuditRecord>();
        for (var i = 0; i < calls; i++)
        {
            records.Add(chain.Append(new AuditRecord
            {
                Time = Start.AddSeconds(i),
                Kind = AuditKinds.Call,
                Grant = i % 2 == 0 ? "alice" : "bob",
                Server = "codex",
                Tool = i % 3 == 0 ? "code_generate" : "review_code",
                Method = "tools/call",
                Decision = i % 4 == 0 ? AuditDecisions.Deny : AuditDecisions.Allow,
                RuleId = "/tools/code_generate",
                Reason = "because",
                PolicyVersion = 3,
                Arguments = """["language","description"]""",
                UpstreamStatus = 200,
                UpstreamMicros = 1234,
                TotalMicros = 1500,
            }));
            if (i % 10 == 9)
            {
                records.Add(chain.AppendCheckpoint(Start.AddSeconds(i), Key));
            }
        }

        return records;
    }

    protected static async Task<AuditVerification> VerifyAsync(IAuditStore store)
    {
        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync())
        {
            all.Add(record);
        }

        return AuditVerifier.Verify(all, Key);
    }

    [Fact]
    public async Task Write_IsIdempotent_AndTheLogVerifies()
    {
        var store = await CreateAsync();
        var records = Chain(25);

        await store.WriteAsync(records[..10]);
        await store.WriteAsync(records);

        var verification = await VerifyAsync(store);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(records.Count, verification.Records);
        Assert.Equal(2, verification.SignedCheckpoints);
    }

    [Fact]
    public async Task Query_FiltersByEveryField_NewestFirst()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        var denied = await store.QueryAsync(new AuditQuery { Decision = AuditDecisions.Deny, Grant = "alice" });
        var recent = await store.QueryAsync(new AuditQuery { Since = Start.AddSeconds(15), Kind = AuditKinds.Call, Limit = 3 });
        var tool = await store.QueryAsync(new AuditQuery { Tool = "code_generate", Until = Start.AddSeconds(10), Server = "codex" });

        Assert.Equal([16, 12, 8, 4, 0], denied.Select(r => (int)(r.Time - Start).TotalSeconds));
        Assert.Equal([19, 18, 17], recent.Select(r => (int)(r.Time - Start).TotalSeconds));
        Assert.Equal([9, 6, 3, 0], tool.Select(r => (int)(r.Time - Start).TotalSeconds));
        Assert.Equal("""["language","description"]""", denied[0].Arguments);
    }

    [Fact]
    public async Task AnUpdatedRecord_IsReportedByItsSequenceNumber()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"UPDATE audit SET record = replace(record, '\"decision\":\"allow\"', '\"decision\":\"deny\"') WHERE {Row(6)}");

        Assert.Contains("seq 6): altered", (await VerifyAsync(store)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUpdatedColumn_IsReported()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"UPDATE audit SET decision = 'allow' WHERE {Row(5)}");

        Assert.Contains("seq 5): altered: the row's decision column differs", (await VerifyAsync(store)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeletedRecord_IsReported()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"DELETE FROM audit WHERE {Row(7)}");

        Assert.Contains("seq 8): records 7 to 7 of the chain are missing (deleted)", (await VerifyAsync(store)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSwappedRows_AreReported()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"UPDATE audit SET seq = -1 WHERE {Row(3)}");
        await ExecuteAsync($"UPDATE audit SET seq = 3 WHERE {Row(4)}");
        await ExecuteAsync($"UPDATE audit SET seq = 4 WHERE {Row(-1)}");

        Assert.Contains("seq 4): altered: the row's seq column differs", (await VerifyAsync(store)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_DeletesUpToTheLastCheckpointBeforeTheCutoff_AndTheRestStillVerifies()
    {
        var store = await CreateAsync();
        var records = Chain(30);
        await store.WriteAsync(records);

        var deleted = await store.DeleteBeforeAsync(Start.AddSeconds(25));

        // Checkpoints follow calls 9, 19 and 29 (seq 11, 22, 33); the one at 19 s is the newest before the cutoff.
        Assert.Equal(21, deleted);
        var verification = await VerifyAsync(store);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(records.Count - 21, verification.Records);
    }
}
