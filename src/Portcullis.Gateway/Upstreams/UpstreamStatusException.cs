namespace Portcullis.Gateway.Upstreams;

/// <summary>The upstream answered with an HTTP error status.</summary>
internal sealed class UpstreamStatusException(int statusCode) : Exception($"Upstream answered HTTP {statusCode}.")
{
    public int StatusCode { get; } = statusCode;
}
