using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Proxy;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>One refused request, as its audit record tells it.</summary>
/// <param name="Action">What was refused, e.g. <c>auth.unknown_token</c>, <c>origin</c>, <c>bad_request</c>.</param>
/// <param name="Reason">The error the client was given.</param>
internal sealed record Refusal(string Action, string Reason)
{
    /// <summary>The server id the request named (as sent, cut to a sane length).</summary>
    public string? Server { get; init; }

    /// <summary>The grant, once the token was recognised.</summary>
    public string? Grant { get; init; }

    /// <summary>Who tried: a short hash prefix of an unrecognised token, never the token.</summary>
    public string? Actor { get; init; }

    /// <summary>The JSON-RPC method, once the message was read.</summary>
    public string? Method { get; init; }

    /// <summary>The client's address.</summary>
    public string? Client { get; init; }
}

/// <summary>
/// Writes refused requests to the audit log (kind <c>refusal</c>). A flood of bad requests must
/// not fill the disk, so records are rationed by a token bucket (a burst of
/// <see cref="Burst"/>, then <see cref="PerSecond"/> a second); refusals beyond that are
/// counted, and the next record written says how many were not recorded one by one.
/// </summary>
internal sealed class RefusalRecorder : IDisposable
{
    public const int Burst = 100;

    public const int PerSecond = 20;

    private const int MaxFieldLength = 200;

    private readonly AuditLog _audit;
    private readonly ILogger _logger;
    private readonly TokenBucketRateLimiter _ration = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = Burst,
        TokensPerPeriod = PerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    private long _unrecorded;

    public RefusalRecorder(AuditLog audit, ILogger<RefusalRecorder> logger)
    {
        _audit = audit;
        _logger = logger;
    }

    /// <summary>Records <paramref name="refusal"/> unless the ration is spent; never throws.</summary>
    public async ValueTask RecordAsync(Refusal refusal)
    {
        Log.RequestRefused(_logger, refusal.Action, Cut(refusal.Server) ?? "-", refusal.Reason);
        Telemetry.ProcessInstruments.Refusals.Add(1, new KeyValuePair<string, object?>("portcullis.refusal", refusal.Action));
        using var lease = _ration.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            Interlocked.Increment(ref _unrecorded);
            return;
        }

        var unrecorded = Interlocked.Exchange(ref _unrecorded, 0);
        try
        {
            await _audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Refusal,
                Action = refusal.Action,
                Server = Cut(refusal.Server),
                Grant = refusal.Grant,
                Actor = refusal.Actor,
                Method = Cut(refusal.Method),
                Target = refusal.Client is null ? null : "client:" + refusal.Client,
                Reason = unrecorded == 0
                    ? refusal.Reason
                    : $"{refusal.Reason} ({unrecorded} earlier refusals were not recorded one by one: more than {PerSecond} a second.)",
            }).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the log line above is all that is left of it.
        }
    }

    public void Dispose() => _ration.Dispose();

    private static string? Cut(string? value) => value is null ? null : Excerpt.Of(value, MaxFieldLength);
}
