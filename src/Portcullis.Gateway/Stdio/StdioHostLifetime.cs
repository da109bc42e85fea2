using Microsoft.Extensions.Hosting;

namespace Portcullis.Gateway.Stdio;

/// <summary>
/// The stdio gateway's host lifetime: it leaves signals alone. The default console lifetime would
/// take over Ctrl+C and SIGTERM and only stop the host's services, while the command that owns the
/// process (and its standard input) decides when the gateway ends.
/// </summary>
internal sealed class StdioHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
