using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Protocol;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>Who sent a refused request, and where to, as far as the gateway knew when it refused it.</summary>
internal sealed record Refusal
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

    /// <summary>Records that <paramref name="refusal"/>'s request was refused with <paramref name="error"/>, unless the ration is spent; never throws.</summary>
    public async ValueTask RecordAsync(GatewayError error, Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(refusal);
        var action = error.AuditAction;
        Log.RequestRefused(_logger, action, Cut(refusal.Server) ?? "-", error.Message);
        Diagnostics.ProcessInstruments.Refusals.Add(1, new KeyValuePair<string, object?>("portcullis.refusal", action));
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
                Action = action,
                Server = Cut(refusal.Server),
                Grant = refusal.Grant,
                Actor = refusal.Actor,
                Method = Cut(refusal.Method),
                Target = refusal.Client is null ? null : "client:" + refusal.Client,
                Reason = unrecorded == 0
                    ? error.Message
                    : $"{error.Message} ({unrecorded} earlier refusals were not recorded one by one: more than {PerSecond} a second.)",
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
