using System.Diagnostics;

namespace Portcullis.Gateway.Calls;

/// <summary>How far one request to the upstream got, for rolling back reservations and for its audit record.</summary>
internal sealed class UpstreamExchange
{
    private long _startedAt;

    /// <summary>The upstream's HTTP status, once it answered.</summary>
    public int? Status { get; private set; }

    /// <summary>Time from sending to the end of the relayed answer (or the failure).</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Why the call did not produce an answer the client received in full; null when it did.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Whether the upstream may have run the call, so it counts against its limits (never over-admit).</summary>
    public bool Executed { get; private set; }

    /// <summary>Whether the request was sent (or about to be) at all.</summary>
    public bool Started => _startedAt != 0;

    public void Start() => _startedAt = Stopwatch.GetTimestamp();

    public void Answered(int status)
    {
        Status = status;
        Executed = status < 400;
        FailureReason = status >= 400 ? $"upstream answered HTTP {status}" : null;
        Elapsed = Stopwatch.GetElapsedTime(_startedAt);
    }

    /// <summary>Notes how the request failed.</summary>
    public void Failed(Upstreams.UpstreamFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        FailureReason = "upstream failed: " + failure.Detail;
        Executed = Executed || failure.MayHaveRun;
    }

    /// <summary>Notes that the gateway itself failed while the request was out; the upstream may have run it.</summary>
    public void Broke(string reason)
    {
        FailureReason = reason;
        Executed = true;
    }

    public void Stop()
    {
        if (_startedAt != 0)
        {
            Elapsed = Stopwatch.GetElapsedTime(_startedAt);
        }
    }
}
