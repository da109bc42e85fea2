using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Upstreams;

/// <summary>The HTTP client for each upstream: a pooled network client for URLs, an in-memory one over child processes for commands.</summary>
internal sealed class UpstreamClients : IDisposable
{
    private readonly Dictionary<string, HttpClient> _stdio = new(StringComparer.Ordinal);
    private readonly HttpClient _network;

    public UpstreamClients(IEnumerable<UpstreamServerConfig> servers, ILoggerFactory loggerFactory)
    {
        servers = [.. servers];
        if (servers.SelectMany(s => s.UnsetSecrets).ToList() is { Count: > 0 } unset)
        {
            // Without its header or environment secret a server would be called without its credentials.
            throw new InvalidOperationException($"An upstream's secrets are not set: {string.Join("; ", unset)}");
        }

        _network = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        foreach (var server in servers.Where(s => s.Command is not null))
        {
            _stdio[server.Id] = new HttpClient(new StdioUpstreamHandler(server, loggerFactory.CreateLogger<StdioUpstreamHandler>()))
            {
                Timeout = Timeout.InfiniteTimeSpan,
            };
        }
    }

    public HttpClient For(UpstreamServerConfig server) => _stdio.TryGetValue(server.Id, out var client) ? client : _network;

    public void Dispose()
    {
        _network.Dispose();
        foreach (var client in _stdio.Values)
        {
            client.Dispose();
        }
    }
}
