using System.Diagnostics;

namespace Portcullis.Gateway.Proxy;

/// <summary>How far one request to the upstream got, for rolling back reservations and for its audit record.</summary>
internal sealed class UpstreamExchange
{
    private long _startedAt;

    /// <summary>The upstream's HTTP status, once it answered.</summary>
    public int? Status { get; private set; }

    /// <summary>Time from sending to the end of the relayed answer (or the failure).</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>The answer was larger than the gateway relays.</summary>
    public bool Oversized { get; set; }

    /// <summary>The upstream accepted the request (an answer below 400), so the call counts against its limits.</summary>
    public bool Executed => Status is < 400;

    /// <summary>The call did not produce an answer the client received in full.</summary>
    public bool Failed => Status is null or >= 400 || Oversized;

    public void Start() => _startedAt = Stopwatch.GetTimestamp();

    public void Answered(int status)
    {
        Status = status;
        Elapsed = Stopwatch.GetElapsedTime(_startedAt);
    }

    public void Stop()
    {
        if (_startedAt != 0)
        {
            Elapsed = Stopwatch.GetElapsedTime(_startedAt);
        }
    }
}
