using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// The one way a request to an upstream is built: only what the upstream needs — Accept, the
/// protocol version, the upstream's own session id and the configured static headers.
/// </summary>
internal static class UpstreamRequest
{
    /// <summary>The grant a request is made for, for the in-process handler of command servers (options never go on the wire).</summary>
    public static readonly HttpRequestOptionsKey<string> GrantOption = new("portcullis.grant");

    public static HttpRequestMessage Create(HttpMethod method, UpstreamServerConfig server, string accept, string? protocolVersion, string? upstreamSessionId)
    {
        var request = new HttpRequestMessage(method, server.Url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (protocolVersion is not null)
        {
            request.Headers.TryAddWithoutValidation(ProtocolVersions.HeaderName, protocolVersion);
        }

        if (upstreamSessionId is not null)
        {
            request.Headers.TryAddWithoutValidation(ProtocolVersions.SessionHeaderName, upstreamSessionId);
        }

        foreach (var (name, value) in server.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
