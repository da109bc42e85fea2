using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// Why an upstream request failed, with what the client is told (never the upstream's own
/// words or body) and what the audit record says (the detail, for the operator).
/// </summary>
/// <param name="Fault">What kind of failure.</param>
/// <param name="Detail">What happened, for the log and the audit record.</param>
internal sealed record UpstreamFailure(UpstreamFault Fault, string Detail)
{
    /// <summary>For <see cref="UpstreamFault.Status"/>: the upstream's HTTP status.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Whether the server may have run the request, so limits reserved for it stay counted.</summary>
    public bool MayHaveRun { get; init; }

    /// <summary>The error the client receives.</summary>
    public GatewayError ToError(string serverId) => Fault switch
    {
        UpstreamFault.TimedOut => new GatewayError(GatewayFailure.UpstreamTimedOut, $"Upstream server '{serverId}' did not answer in time ({Detail})."),
        UpstreamFault.Busy => new GatewayError(GatewayFailure.UpstreamBusy,
            $"Upstream server '{serverId}' has as many calls in flight as it may (max_concurrent_calls); try again shortly."),
        UpstreamFault.CircuitOpen => new GatewayError(GatewayFailure.UpstreamCircuitOpen,
            $"Upstream server '{serverId}' has been failing; the gateway stops sending to it for a while ({Detail})."),
        UpstreamFault.NotJsonRpc => new GatewayError(GatewayFailure.UpstreamAnswerInvalid,
            $"Upstream server '{serverId}' answered with something that is not a JSON-RPC answer to this request."),
        UpstreamFault.TooLarge => new GatewayError(GatewayFailure.UpstreamAnswerTooLarge, $"Upstream server '{serverId}' answered with more than the gateway relays ({Detail})."),
        UpstreamFault.ToolListUnreadable => new GatewayError(GatewayFailure.UpstreamToolListUnreadable,
            $"The upstream's tool list could not be read, so it is not shown (server '{serverId}')."),
        _ => GatewayError.UpstreamUnavailable(serverId),
    };
}
