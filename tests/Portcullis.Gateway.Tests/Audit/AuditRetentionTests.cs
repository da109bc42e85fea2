using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Tests.Audit;

public sealed class AuditRetentionTests : IDisposable
{
    private const string Key = "retention-test-checkpoint-key-0123456789";

    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-retention-").FullName;
    private readonly FakeTimeProvider _clock = new(s_now);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static byte[] KeyBytes => System.Text.Encoding.UTF8.GetBytes(Key);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task Retention_CutsAtACheckpoint_RecordsWhatItDid_AndTheLogStillVerifies_WithAndWithoutTheKey(string backend)
    {
        IAuditStore store = backend == "sqlite" ? new SqliteAuditStore(Path.Combine(_directory, "state.db")) : new InMemoryAuditStore();
        await store.WriteAsync(OldChain(), Cancel);
        var (retention, audit) = Start(store);

        var deleted = await retention.RunOnceAsync(Cancel);
        await audit.DisposeAsync();

        // The newest checkpoint older than 25 days follows the record of day 30 (seq 13); everything before it goes.
        Assert.Equal(12, deleted);
        var admin = Assert.Single(await store.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin }, Cancel));
        Assert.Equal(("audit.retention", "gateway"), (admin.Action, admin.Actor));
        Assert.StartsWith("12 records deleted", admin.After, StringComparison.Ordinal);
        var proof = Assert.Single(RetentionCheckpoints(await ReadAllAsync(store)));
        Assert.Equal((s_now.AddDays(-25), 1L), (proof.RetentionCutoff, proof.Seq));
        Assert.NotNull(proof.Mac);

        var withKey = AuditVerifier.Verify(await ReadAllAsync(store), KeyBytes);
        var withoutKey = AuditVerifier.Verify(await ReadAllAsync(store), []);
        Assert.True(withKey.Intact, withKey.Problem);
        Assert.True(withoutKey.Intact, withoutKey.Problem);
        var old = Assert.Single(withKey.ChainSummaries, c => c.Chain == "gateway@old/1");
        Assert.Equal((13L, true, 35L), (old.FirstSeq, old.StartsAtRetentionCut, old.LastSignedSeq));
        Assert.Equal(0, await retention.RunOnceAsync(Cancel));
        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task Retention_WritesAnotherRetentionCheckpoint_OnlyWhenItsCutMayReachACheckpointTheLastOneDoesNotCover()
    {
        var store = new InMemoryAuditStore();
        await store.WriteAsync(OldChain(), Cancel);
        var (retention, audit) = Start(store);

        await retention.RunOnceAsync(Cancel);
        _clock.Advance(TimeSpan.FromMinutes(30));
        await retention.RunOnceAsync(Cancel);
        var afterTwoRuns = RetentionCheckpoints(await ReadAllAsync(store)).Count;
        _clock.Advance(TimeSpan.FromDays(10));
        var deleted = await retention.RunOnceAsync(Cancel);
        await audit.DisposeAsync();

        // Ten days on, the checkpoint of day 20 is past the cutoff: the records of days 30 to 21 and the checkpoint of day 30 go.
        Assert.Equal(1, afterTwoRuns);
        Assert.Equal(11, deleted);
        Assert.Equal([s_now.AddDays(-25), s_now.AddMinutes(30).AddDays(-15)], RetentionCheckpoints(await ReadAllAsync(store)).Select(r => r.RetentionCutoff!.Value));
        var verification = AuditVerifier.Verify(await ReadAllAsync(store), KeyBytes);
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task ACutMadeBeforeRetentionCheckpointsExisted_IsReported_UntilRetentionRunsAgain()
    {
        var store = new InMemoryAuditStore();
        await store.WriteAsync(OldChain(), Cancel);
        await store.DeleteBeforeAsync(s_now.AddDays(-25), Cancel);
        var before = AuditVerifier.Verify(await ReadAllAsync(store), KeyBytes);
        var (retention, audit) = Start(store);

        var deleted = await retention.RunOnceAsync(Cancel);
        await audit.DisposeAsync();

        Assert.Equal(AuditFailure.HeadCut, before.Failure);
        Assert.Equal(0, deleted);
        Assert.Single(RetentionCheckpoints(await ReadAllAsync(store)));
        var after = AuditVerifier.Verify(await ReadAllAsync(store), KeyBytes);
        Assert.True(after.Intact, after.Problem);
    }

    [Fact]
    public async Task Retention_DeletesNothing_WhenItsRetentionCheckpointCannotBeWritten()
    {
        var store = new FailingWritesStore();
        await store.Inner.WriteAsync(OldChain(), Cancel);
        var (retention, audit) = Start(store);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => retention.RunOnceAsync(Cancel));
        await audit.DisposeAsync();

        Assert.Equal(OldChain().Count, store.Inner.Count);
        var verification = AuditVerifier.Verify(await ReadAllAsync(store.Inner), KeyBytes);
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Retention_StillRuns_WhenACheckpointRowIsNotARecord()
    {
        var path = Path.Combine(_directory, "state.db");
        await using var store = new SqliteAuditStore(path);
        await store.WriteAsync(OldChain(), Cancel);
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit SET record = '{not json' WHERE seq = 13";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var (retention, audit) = Start(store);

        var deleted = await retention.RunOnceAsync(Cancel);
        await audit.DisposeAsync();

        Assert.Equal(12, deleted);
        Assert.Single(RetentionCheckpoints(await ReadAllAsync(store)));
    }

    /// <summary>A chain of one call a day for 40 days, with a checkpoint signed with <see cref="Key"/> after every tenth (days 40, 30, 20 and 10 ago).</summary>
    private static List<AuditRecord> OldChain()
    {
        var old = new AuditChain("gateway@old/1");
        var records = new List<AuditRecord>();
        for (var day = 40; day > 0; day--)
        {
            records.Add(old.Append(new AuditRecord { Time = s_now.AddDays(-day), Decision = AuditDecisions.Allow, Tool = "t" }));
            if (day % 10 == 0)
            {
                records.Add(old.AppendCheckpoint(s_now.AddDays(-day), KeyBytes));
            }
        }

        return records;
    }

    /// <summary>Retention keeping 25 days with a checkpoint key, and the audit log it records into (the store beneath a failing one).</summary>
    private (AuditRetention Retention, AuditLog Audit) Start(IAuditStore store)
    {
        var config = new GatewayConfig { Listen = new Uri("http://127.0.0.1:0"), Audit = new AuditConfig { RetentionDays = 25, CheckpointKey = Key } };
        var sink = store is FailingWritesStore failing ? failing.Inner : store;
        var audit = new AuditLog([sink], config.Audit, Path.Combine(_directory, "spill"), "gateway", _clock, NullLogger<AuditLog>.Instance);
        return (new AuditRetention(config, store, audit, _clock, NullLogger<AuditRetention>.Instance), audit);
    }

    private static List<AuditRecord> RetentionCheckpoints(IEnumerable<StoredAuditRecord> records) =>
        [.. records.Select(r => r.Record).Where(r => r.RetentionCutoff is not null).OrderBy(r => r.Seq)];

    private static async Task<List<StoredAuditRecord>> ReadAllAsync(IAuditStore store)
    {
        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync(Cancel))
        {
            all.Add(record);
        }

        return all;
    }

    /// <summary>A store whose writes fail, as when the database goes away between a query and a write.</summary>
    private sealed class FailingWritesStore : IAuditStore
    {
        public InMemoryAuditStore Inner { get; } = new();

        public string Name => "failing";

        public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
            throw new StoreUnavailableException("The store is down.");

        public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
            Inner.QueryAsync(query, cancellationToken);

        public IAsyncEnumerable<StoredAuditRecord> ReadAllAsync(CancellationToken cancellationToken = default) => Inner.ReadAllAsync(cancellationToken);

        public ValueTask<long> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
            Inner.DeleteBeforeAsync(cutoff, cancellationToken);
    }
}
