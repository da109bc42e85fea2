using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Sessions;

/// <summary>
/// Ends sessions that clients abandoned without DELETE, and their upstream sessions (for a stdio
/// upstream, its process), so idle clients cannot pile up memory and processes.
/// </summary>
internal sealed class IdleSessionSweeper(GatewayConfig config, SessionRegistry sessions, UpstreamClients upstreams, TimeProvider timeProvider,
    ILogger<IdleSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var servers = config.Servers.ToDictionary(s => s.Id, StringComparer.Ordinal);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(config.SessionIdleTimeout.TotalSeconds / 4, 1, 60)), timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var session in await sessions.RemoveIdleAsync(config.SessionIdleTimeout, stoppingToken).ConfigureAwait(false))
            {
                if (session.UpstreamSessionId is null || !servers.TryGetValue(session.ServerId, out var server))
                {
                    continue;
                }

                try
                {
                    await new UpstreamHttpSession(upstreams.For(server), server, session.UpstreamSessionId).CloseAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    Log.UpstreamFailed(logger, server.Id, "ending an idle session: " + e.Message);
                }
            }
        }
    }
}
