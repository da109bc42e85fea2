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

    protected static async Task<AuditVerification> VerifyAsync(IAuditStore store, byte[]? key = null) =>
        AuditVerifier.Verify(await ReadAllAsync(store), key ?? Key);

    protected static async Task<List<StoredAuditRecord>> ReadAllAsync(IAuditStore store)
    {
        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync())
        {
            all.Add(record);
        }

        return all;
    }

    /// <summary>What retention writes before it deletes: a checkpoint, in a chain of its own, stating the cutoff.</summary>
    protected static AuditRecord RetentionCheckpoint(DateTimeOffset cutoff, ReadOnlySpan<byte> key, string chain = "retention@test/1") =>
        new AuditChain(chain).AppendRetentionCheckpoint(cutoff.AddDays(30), cutoff, key);

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

        var verification = await VerifyAsync(store);
        Assert.Equal(AuditFailure.HashMismatch, verification.Failure);
        Assert.Contains("seq 6): altered: its content does not match its hash", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUpdatedColumn_IsReported()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"UPDATE audit SET decision = 'allow' WHERE {Row(5)}");

        var verification = await VerifyAsync(store);
        Assert.Equal(AuditFailure.ColumnMismatch, verification.Failure);
        Assert.Contains("seq 5): altered: the row's decision column differs", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeletedRecord_IsReported()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync($"DELETE FROM audit WHERE {Row(7)}");

        var verification = await VerifyAsync(store);
        Assert.Equal(AuditFailure.SeqGap, verification.Failure);
        Assert.Contains("SEQ_GAP row", verification.Problem, StringComparison.Ordinal);
        Assert.Contains("seq 8): records 7 to 7 of the chain are missing (deleted)", verification.Problem, StringComparison.Ordinal);
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
    public async Task Retention_DeletesUpToTheLastCheckpointBeforeTheCutoff_AndWithItsCheckpointTheRestStillVerifies()
    {
        var store = await CreateAsync();
        var records = Chain(30);
        await store.WriteAsync(records);

        var cutoff = Start.AddSeconds(25);
        await store.WriteAsync([RetentionCheckpoint(cutoff, Key)]);
        var deleted = await store.DeleteBeforeAsync(cutoff);

        // Checkpoints follow calls 9, 19 and 29 (seq 11, 22, 33); the one at 19 s is the newest before the cutoff.
        Assert.Equal(21, deleted);
        var verification = await VerifyAsync(store);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(records.Count - 21 + 1, verification.Records);
        Assert.Equal(new[] { (22L, true), (1L, false) }, verification.ChainSummaries.Select(c => (c.FirstSeq, c.StartsAtRetentionCut)));
        var withoutKey = await VerifyAsync(store, []);
        Assert.True(withoutKey.Intact, withoutKey.Problem);
        Assert.False(withoutKey.SignaturesChecked);
    }

    [Fact]
    public async Task Retention_WithoutItsCheckpoint_IsReportedAsACutHead()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(30));

        await store.DeleteBeforeAsync(Start.AddSeconds(25));

        var verification = await VerifyAsync(store);
        Assert.Equal(AuditFailure.HeadCut, verification.Failure);
        Assert.Contains("HEAD_CUT row", verification.Problem, StringComparison.Ordinal);
        Assert.Contains("seq 22): the chain starts at this checkpoint, but no retention checkpoint signed with the key accounts for a cut: records 1 to 21 were deleted",
            verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingTheFirstRecordsUpToACheckpoint_IsReported_WithAndWithoutTheKey()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync("DELETE FROM audit WHERE seq < 11");

        foreach (var key in new byte[][] { Key, [] })
        {
            var verification = await VerifyAsync(store, key);
            Assert.Equal(AuditFailure.HeadCut, verification.Failure);
            Assert.Contains("seq 11): the chain starts at this checkpoint", verification.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FlippingADenial_StrippingEverySignature_AndRecomputingTheHashes_FailsWithTheKey()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        // An attacker with the database but not the key: allow a denied call, drop the signatures it would break, re-link the chain.
        var original = (await ReadAllAsync(store)).Select(r => r.Record).ToList();
        var denied = original.First(r => r.Decision == AuditDecisions.Deny && r.Seq > 1);
        await ExecuteAsync("DELETE FROM audit");
        await store.WriteAsync(AuditRewrite.Rechain(original, r => r.Seq == denied.Seq ? r with { Decision = AuditDecisions.Allow } : r));

        var withKey = await VerifyAsync(store);
        var withoutKey = await VerifyAsync(store, []);

        Assert.Equal(AuditFailure.BadSignature, withKey.Failure);
        Assert.Contains("BAD_SIGNATURE row", withKey.Problem, StringComparison.Ordinal);
        Assert.Contains("seq 11): unsigned: the checkpoint carries no signature, but a key was given", withKey.Problem, StringComparison.Ordinal);
        Assert.True(withoutKey.Intact, "Without the key a full rewrite cannot be told apart; the report says signatures were not checked.");
        Assert.False(withoutKey.SignaturesChecked);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("a key the attacker made up")]
    public async Task ARetentionCheckpointForgedWithoutTheKey_DoesNotCoverACutHead(string? attackerKey)
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        await ExecuteAsync("DELETE FROM audit WHERE seq < 11");
        var forged = RetentionCheckpoint(Start.AddDays(1), attackerKey is null ? [] : System.Text.Encoding.UTF8.GetBytes(attackerKey));
        await store.WriteAsync([forged]);

        var verification = await VerifyAsync(store);

        Assert.False(verification.Intact);
        Assert.Contains("seq 11): the chain starts at this checkpoint, but no retention checkpoint signed with the key accounts for a cut",
            verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARetentionCutoffWrittenIntoAGenuineCheckpoint_FailsItsSignature()
    {
        var store = await CreateAsync();
        await store.WriteAsync(Chain(20));

        // The first checkpoint made a retention checkpoint, the chain re-linked after it, its records before it deleted.
        var original = (await ReadAllAsync(store)).Select(r => r.Record).ToList();
        await ExecuteAsync("DELETE FROM audit");
        var rewritten = AuditRewrite.Rechain(original, r => r.Seq == 11 ? r with { RetentionCutoff = Start.AddDays(1) } : r, keepSignatures: true);
        await store.WriteAsync(rewritten.Where(r => r.Seq >= 11).ToList());

        var verification = await VerifyAsync(store);

        Assert.Equal(AuditFailure.BadSignature, verification.Failure);
        Assert.Contains("seq 11): forged: the checkpoint's signature is not valid for the key", verification.Problem, StringComparison.Ordinal);
    }
}
