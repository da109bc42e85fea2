using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Audit;

public sealed class AuditRetentionTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retention_CutsAtACheckpoint_RecordsWhatItDid_AndTheLogStillVerifies()
    {
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        var store = new InMemoryAuditStore();
        var old = new AuditChain("gateway@old/1");
        var records = new List<AuditRecord>();
        for (var day = 40; day > 0; day--)
        {
            records.Add(old.Append(new AuditRecord { Time = now.AddDays(-day), Decision = AuditDecisions.Allow, Tool = "t" }));
            if (day % 10 == 0)
            {
                records.Add(old.AppendCheckpoint(now.AddDays(-day), []));
            }
        }

        await store.WriteAsync(records, Cancel);
        var config = new GatewayConfig { Listen = new Uri("http://127.0.0.1:0"), Audit = new AuditConfig { RetentionDays = 25 } };
        var spill = Directory.CreateTempSubdirectory("portcullis-retention-").FullName;
        var audit = new AuditLog([store], config.Audit, spill, "gateway", clock, NullLogger<AuditLog>.Instance);
        var retention = new AuditRetention(config, store, audit, clock, NullLogger<AuditRetention>.Instance);

        var deleted = await retention.RunOnceAsync(Cancel);
        await audit.DisposeAsync();

        // The newest checkpoint older than 25 days follows the record of day 30 (seq 13); everything before it goes.
        Assert.Equal(12, deleted);
        var admin = Assert.Single(await store.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin }, Cancel));
        Assert.Equal(("audit.retention", "gateway"), (admin.Action, admin.Actor));
        Assert.StartsWith("12 records deleted", admin.After, StringComparison.Ordinal);
        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync(Cancel))
        {
            all.Add(record);
        }

        var verification = AuditVerifier.Verify(all, []);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(0, await retention.RunOnceAsync(Cancel));
        Directory.Delete(spill, recursive: true);
    }
}
