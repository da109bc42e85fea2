namespace Portcullis.Gateway.Protocol;

/// <summary>An upstream's answer that cannot be relayed; caught where the request to the upstream is made.</summary>
internal sealed class UpstreamAnswerException(UpstreamFault fault, string detail) : Exception(detail)
{
    public UpstreamFault Fault { get; } = fault;
}
