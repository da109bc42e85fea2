using System.Net;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// Which <c>Host</c> header values the gateway answers. A gateway on loopback answers only the
/// loopback names, so a web page whose DNS name is rebound to 127.0.0.1 cannot reach it.
/// </summary>
internal sealed class HostAllowList
{
    private static readonly string[] s_loopbackNames = ["localhost", "127.0.0.1", "::1", "[::1]"];

    private readonly HashSet<string>? _hosts;

    private HostAllowList(HashSet<string>? hosts)
    {
        _hosts = hosts;
    }

    public static HostAllowList For(GatewayConfig config)
    {
        if (!config.AllowedHosts.IsEmpty)
        {
            return new HostAllowList(new HashSet<string>(config.AllowedHosts, StringComparer.OrdinalIgnoreCase));
        }

        var listenHost = config.Listen.Host;
        var loopback = listenHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(listenHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        return new HostAllowList(loopback ? new HashSet<string>(s_loopbackNames, StringComparer.OrdinalIgnoreCase) : null);
    }

    public bool Allows(string host) => _hosts is null || _hosts.Contains(host);
}
