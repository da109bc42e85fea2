using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Storage;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// Keeps this instance's policies at the newest stored versions: at once when another instance
/// announces a save on the change feed, and by polling the store as a fallback (every second
/// when the feed delivers nothing, every five when it delivers).
/// </summary>
internal sealed class PolicySync(PolicyRegistry policies, IChangeFeed changes, ILogger<PolicySync> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <inheritdoc />
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribed = false;
        var interval = TimeSpan.FromSeconds(changes.Delivers ? 5 : 1);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!subscribed)
            {
                subscribed = await TrySubscribeAsync(changes, stoppingToken).ConfigureAwait(false);
            }

            try
            {
                await policies.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                Log.PolicySyncFailed(logger, e.Message);
            }

            try
            {
                await _wake.WaitAsync(subscribed ? interval : TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // A message arrived while the gateway was stopping.
        }
    }

    private async Task<bool> TrySubscribeAsync(IChangeFeed feed, CancellationToken cancellationToken)
    {
        try
        {
            await feed.SubscribeAsync(PolicyPublisher.ChangeTopic, _ => Wake(), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StoreUnavailableException e)
        {
            Log.PolicySyncFailed(logger, "cannot subscribe to policy changes yet: " + e.Message);
            return false;
        }
    }
}
