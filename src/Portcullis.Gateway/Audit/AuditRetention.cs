using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// Enforces <c>audit.retention_days</c> on the store: every hour it deletes, per chain, the
/// records before the newest checkpoint older than the cutoff (the checkpoint stays, so what
/// remains verifies), and records what it removed as an admin record. Several instances may run
/// it; only the one that deleted something records it.
/// </summary>
/// <remarks>
/// A chain that starts at a checkpoint instead of seq 1 verifies only if a retention checkpoint
/// states a later cutoff: before it deletes anything, this writes one (signed with the checkpoint
/// key) into a chain of its own, straight to the store, so a crash between the two never leaves a
/// cut that nothing accounts for. A new one is needed only when a checkpoint the cut may reach is
/// not older than the cutoff of the last one it wrote; the newest checkpoint of a chain is never
/// deleted, so that one stays. Runs must not overlap (the hosted loop runs one at a time).
/// </remarks>
internal sealed class AuditRetention(GatewayConfig config, IAuditStore store, AuditLog audit, TimeProvider timeProvider, ILogger<AuditRetention> logger)
    : BackgroundService
{
    private readonly byte[] _key = config.Audit.CheckpointKey is { } key ? Encoding.UTF8.GetBytes(key) : [];
    private AuditChain? _retentionChain;
    private DateTimeOffset? _coveredBefore;

    /// <summary>Applies the retention once; returns how many records were deleted.</summary>
    public async Task<long> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (config.Audit.RetentionDays is not { } days)
        {
            return 0;
        }

        // Records keep milliseconds, and so does the cutoff a retention checkpoint states: the deletion uses the same one.
        var cutoff = AuditCanonicalForm.Truncate(timeProvider.GetUtcNow().AddDays(-days));
        if (await MayCutUncoveredAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            await WriteRetentionCheckpointAsync(cutoff, cancellationToken).ConfigureAwait(false);
        }

        var deleted = await store.DeleteBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            Log.AuditRetention(logger, deleted, days);
            await audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = "gateway",
                Action = "audit.retention",
                Target = "audit",
                Before = "records before " + AuditCanonicalForm.FormatTime(cutoff),
                After = deleted.ToString(CultureInfo.InvariantCulture) + " records deleted, up to each chain's last checkpoint before the cutoff",
            }).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (config.Audit.RetentionDays is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), timeProvider);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                Log.AuditRetentionFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Whether a cut at <paramref name="cutoff"/> may start a chain at a checkpoint that the last
    /// retention checkpoint written here does not cover (always, for the first run of a process).
    /// </summary>
    private async Task<bool> MayCutUncoveredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var query = new AuditQuery { Kind = AuditKinds.Checkpoint, Since = _coveredBefore, Until = cutoff, Limit = 1 };
        try
        {
            return (await store.QueryAsync(query, cancellationToken).ConfigureAwait(false)).Count > 0;
        }
        catch (FormatException)
        {
            // A row that is not a record (verify names it) must not stop retention, let alone the gateway; one checkpoint more costs nothing.
            return true;
        }
    }

    private async Task WriteRetentionCheckpointAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        _retentionChain ??= new AuditChain(AuditChain.NewId("retention"));
        var checkpoint = _retentionChain.AppendRetentionCheckpoint(timeProvider.GetUtcNow(), cutoff, _key);
        try
        {
            await store.WriteAsync([checkpoint], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whether it was written is unknown; the next one starts a new chain rather than risk a gap in this one.
            _retentionChain = null;
            throw;
        }

        _coveredBefore = cutoff;
    }
}
