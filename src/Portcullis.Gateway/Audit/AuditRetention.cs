using System.Globalization;
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
public sealed class AuditRetention(GatewayConfig config, IAuditStore store, AuditLog audit, TimeProvider timeProvider, ILogger<AuditRetention> logger)
    : BackgroundService
{
    /// <summary>Applies the retention once; returns how many records were deleted.</summary>
    public async Task<long> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (config.Audit.RetentionDays is not { } days)
        {
            return 0;
        }

        var cutoff = timeProvider.GetUtcNow().AddDays(-days);
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
}
