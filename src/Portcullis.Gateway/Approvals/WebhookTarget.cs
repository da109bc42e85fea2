using System.Net;
using Portcullis.Policy.Network;

namespace Portcullis.Gateway.Approvals;

/// <summary>
/// Whether an approval webhook may be sent to the addresses its host resolved to. Without
/// <c>allow_private</c> every address must be public and the URL https; with it, any address is
/// accepted, but http only when every address is non-public (a receiver on a private network).
/// </summary>
internal static class WebhookTarget
{
    /// <summary>Null when the gateway may connect to <paramref name="addresses"/> for <paramref name="url"/>; else why not.</summary>
    public static string? Check(Uri url, IReadOnlyList<IPAddress> addresses, bool allowPrivate)
    {
        if (addresses.Count == 0)
        {
            return $"{url.Host} has no address";
        }

        var http = url.Scheme == Uri.UriSchemeHttp;
        if (http && !allowPrivate)
        {
            return "it uses http, which is only for a receiver on a private network with allow_private: true";
        }

        foreach (var address in addresses)
        {
            var kind = AddressClassifier.Classify(address);
            if (kind != AddressKind.Public && !allowPrivate)
            {
                return $"{Resolved(url, address)} {AddressClassifier.Describe(kind)}, and the webhook does not set allow_private: true";
            }

            if (kind == AddressKind.Public && http)
            {
                return $"{Resolved(url, address)} a public address, and the webhook uses http; use https";
            }
        }

        return null;
    }

    private static string Resolved(Uri url, IPAddress address) =>
        url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? $"{address} is" : $"{url.Host} resolves to {address},";
}
