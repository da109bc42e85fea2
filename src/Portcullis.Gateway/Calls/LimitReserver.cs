using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.State;
using Portcullis.Gateway.Diagnostics;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;

namespace Portcullis.Gateway.Calls;

/// <summary>
/// Reserves a decided call's limits in the counter store, all or nothing, and gives them back
/// for a call that never ran. An unreachable store denies a limited call (fail_mode closed) or
/// lets it through uncounted and says so (fail_mode open); a shadow policy's limits never deny.
/// </summary>
internal sealed class LimitReserver
{
    /// <summary>The reason a limited call is denied while the counter store is down and fail_mode is closed.</summary>
    public const string StoreUnavailableReason = "rate-limit store unavailable";

    private readonly ICounterStore _counters;
    private readonly FailMode _failMode;
    private readonly ILogger _logger;
    private readonly StoreOutage _outage;

    public LimitReserver(ICounterStore counters, FailMode failMode, ILogger logger)
    {
        _counters = counters;
        _failMode = failMode;
        _logger = logger;
        _outage = new StoreOutage("counter store", logger);
        if (failMode == FailMode.Open)
        {
            Log.FailModeOpen(logger);
        }
    }

    /// <summary>Reserves every limit of <paramref name="decision"/> for <paramref name="call"/>, in order; the first refusal gives back what was taken.</summary>
    public async ValueTask<ReservedLimits> ReserveAsync(PolicyDecision decision, ToolCall call, string grant, CancellationToken cancellationToken)
    {
        if (decision.Limits.Count == 0)
        {
            return ReservedLimits.None;
        }

        var leases = new List<CounterLease>(decision.Limits.Count);
        ReservedLimits.RecordedAs? recordAs = null;
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var reservation = decision.Limits[i];
            var result = await TryReserveAsync(reservation, call.Time, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case CounterReservationOutcome.Acquired:
                    _outage.Succeeded();
                    leases.Add(result.Lease!);
                    break;

                case CounterReservationOutcome.Full:
                    _outage.Succeeded();
                    var exceeded = reservation.IsSliding
                        ? PolicyDecision.SlidingLimitExceeded(reservation, call.Time, result.RetryAfter, decision.IsShadow)
                        : PolicyDecision.LimitExceeded(reservation, call.Time, decision.IsShadow);
                    if (!decision.IsShadow)
                    {
                        await RollbackAsync(leases).ConfigureAwait(false);
                        return new ReservedLimits { Denial = exceeded };
                    }

                    recordAs = new ReservedLimits.RecordedAs(AuditDecisions.ShadowDeny, exceeded.RuleId, exceeded.Reason);
                    break;

                case CounterReservationOutcome.StoreUnavailable:
                    _outage.Failed(result.Error!);
                    if (decision.IsShadow)
                    {
                        break;
                    }

                    if (_failMode == FailMode.Open)
                    {
                        ProcessInstruments.FailOpenAllowed.Add(1);
                        Log.FailOpenAllowed(_logger, call.ToolName, call.ServerId, grant, reservation.Limit.RuleId);
                        recordAs = new ReservedLimits.RecordedAs(AuditDecisions.FailOpenAllow, reservation.Limit.RuleId, StoreUnavailableReason);
                        break;
                    }

                    await RollbackAsync(leases).ConfigureAwait(false);
                    return new ReservedLimits { Denial = PolicyDecision.Denied(reservation.Limit.RuleId, StoreUnavailableReason) };
            }
        }

        return new ReservedLimits { Leases = leases, RecordAs = recordAs };
    }

    /// <summary>Gives back reservations of a call that did not go ahead; a store outage leaves them counted (the safe side).</summary>
    public async ValueTask RollbackAsync(IReadOnlyList<CounterLease> leases)
    {
        foreach (var lease in leases)
        {
            try
            {
                await _counters.RollbackAsync(lease, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                _outage.Failed(e);
            }
        }
    }

    private ValueTask<CounterReservation> TryReserveAsync(LimitReservation reservation, DateTimeOffset now, CancellationToken cancellationToken) =>
        reservation.IsSliding
            ? _counters.TryReserveSlidingAsync(reservation.CounterKey, now, reservation.Window, reservation.Max, reservation.Amount, cancellationToken)
            : _counters.TryReserveAsync(reservation.CounterKey, reservation.WindowStart, reservation.WindowEnd, reservation.Max, reservation.Amount,
                cancellationToken);
}
