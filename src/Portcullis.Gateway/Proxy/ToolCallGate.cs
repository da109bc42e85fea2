using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.State;
using Portcullis.Storage;
using Portcullis.Storage.Limits;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Proxy;

/// <summary>What the gate says about one <c>tools/call</c>.</summary>
internal sealed record ToolCallAdmission
{
    /// <summary>A protocol error to answer instead of forwarding (e.g. an unknown or hidden tool).</summary>
    public GatewayError? Error { get; init; }

    /// <summary>A policy denial to answer as an <c>isError</c> result instead of forwarding.</summary>
    public PolicyDecision? Denial { get; init; }

    /// <summary>Reservations to roll back if the call never reaches the upstream.</summary>
    public IReadOnlyList<CounterLease> Leases { get; init; } = [];

    /// <summary>For a <c>tools/list</c> request, what filters the upstream's answer.</summary>
    public ToolsListRewriter? Rewriter { get; init; }

    public bool Forward => Error is null && Denial is null;
}

/// <summary>
/// Decides a <c>tools/call</c> by the server's policy and reserves its limits, in the order of
/// the decision pipeline; the first denial wins and nothing is reserved for a denied call.
/// </summary>
internal sealed class ToolCallGate
{
    /// <summary>The reason a limited call is denied while the counter store is down and fail_mode is closed.</summary>
    public const string StoreUnavailableReason = "rate-limit store unavailable";

    private static readonly Meter s_meter = new("Portcullis.Gateway");
    private static readonly Counter<long> s_failOpenAllowed = s_meter.CreateCounter<long>("portcullis.limits.fail_open_allowed", "{call}",
        "Calls let through without reserving their limit because the counter store was unavailable and fail_mode is open.");

    private readonly ICounterStore _counters;
    private readonly FailMode _failMode;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreOutage _outage;

    public ToolCallGate(ICounterStore counters, FailMode failMode, TimeProvider timeProvider, ILogger<ToolCallGate> logger)
    {
        _counters = counters;
        _failMode = failMode;
        _timeProvider = timeProvider;
        _logger = logger;
        _outage = new StoreOutage("counter store", logger);
        if (failMode == FailMode.Open)
        {
            Log.FailModeOpen(logger);
        }
    }

    /// <summary>
    /// What to do with any client message before it is forwarded: <c>tools/call</c> is decided,
    /// <c>tools/list</c> gets a filter for its answer, everything else passes. Both fronts call this.
    /// </summary>
    public async ValueTask<ToolCallAdmission> AdmitMessageAsync(CompiledPolicy policy, JsonRpcMessage message, Grant grant, string serverId,
        string? sessionId, CancellationToken cancellationToken)
    {
        if (message.Method == "tools/call" && message.Kind == JsonRpcKind.Notification)
        {
            return new ToolCallAdmission { Error = GatewayError.InvalidRequest("tools/call must be a request with an id, not a notification.") };
        }

        if (message.Kind != JsonRpcKind.Request)
        {
            return new ToolCallAdmission();
        }

        return message.Method switch
        {
            "tools/call" => await AdmitAsync(policy, message, grant, serverId, sessionId, cancellationToken).ConfigureAwait(false),
            "tools/list" => new ToolCallAdmission { Rewriter = new ToolsListRewriter(policy, message.Id) },
            _ => new ToolCallAdmission(),
        };
    }

    private async ValueTask<ToolCallAdmission> AdmitAsync(CompiledPolicy policy, JsonRpcMessage message, Grant grant, string serverId,
        string? sessionId, CancellationToken cancellationToken)
    {
        var parameters = message.Params;
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("name", out var nameElement)
            || nameElement.ValueKind != JsonValueKind.String)
        {
            return new ToolCallAdmission { Error = GatewayError.InvalidParams("tools/call needs params.name, the tool's name.") };
        }

        var arguments = default(JsonElement);
        if (parameters.TryGetProperty("arguments", out var argumentsElement) && argumentsElement.ValueKind != JsonValueKind.Null)
        {
            if (argumentsElement.ValueKind != JsonValueKind.Object)
            {
                return new ToolCallAdmission { Error = GatewayError.InvalidParams("params.arguments must be a JSON object.") };
            }

            arguments = argumentsElement;
        }

        var toolName = nameElement.GetString()!;
        var call = new ToolCall(serverId, toolName, arguments, grant.PolicyView, sessionId, _timeProvider.GetUtcNow());
        var decision = policy.Evaluate(call);
        if (decision.RuleId == RuleIds.Hidden && decision.Blocks)
        {
            // A hidden tool answers exactly like one the server does not have.
            Record(decision, toolName, serverId, grant);
            return new ToolCallAdmission { Error = GatewayError.InvalidParams($"Unknown tool: {toolName}") };
        }

        if (decision.Outcome == PolicyOutcome.RequireApproval && !decision.IsShadow)
        {
            // Holding calls for a person needs the approval service; until it runs here, fail closed.
            var denial = PolicyDecision.Denied(decision.RuleId,
                decision.Reason + " This gateway has no approval service configured, so the call is denied.");
            Record(denial, toolName, serverId, grant);
            return new ToolCallAdmission { Denial = denial };
        }

        if (decision.Blocks)
        {
            Record(decision, toolName, serverId, grant);
            return new ToolCallAdmission { Denial = decision };
        }

        var leases = new List<CounterLease>(decision.Limits.Count);
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var reservation = decision.Limits[i];
            CounterLease? lease;
            try
            {
                lease = await _counters.TryReserveAsync(reservation.CounterKey, reservation.WindowStart, reservation.WindowEnd, reservation.Max, reservation.Amount,
                    cancellationToken).ConfigureAwait(false);
                _outage.Succeeded();
            }
            catch (StoreUnavailableException e)
            {
                _outage.Failed(e);
                if (decision.IsShadow)
                {
                    continue;
                }

                if (_failMode == FailMode.Open)
                {
                    s_failOpenAllowed.Add(1);
                    Log.FailOpenAllowed(_logger, toolName, serverId, grant.Name, reservation.Limit.RuleId);
                    continue;
                }

                var unavailable = PolicyDecision.Denied(reservation.Limit.RuleId, StoreUnavailableReason);
                Record(unavailable, toolName, serverId, grant);
                await RollbackAsync(leases, CancellationToken.None).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = unavailable };
            }

            if (lease is not null)
            {
                leases.Add(lease);
                continue;
            }

            var exceeded = PolicyDecision.LimitExceeded(reservation, call.Time, decision.IsShadow);
            Record(exceeded, toolName, serverId, grant);
            if (!decision.IsShadow)
            {
                await RollbackAsync(leases, CancellationToken.None).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = exceeded };
            }
        }

        Record(decision, toolName, serverId, grant);
        return new ToolCallAdmission { Leases = leases };
    }

    /// <summary>Gives back reservations of a call that did not go ahead; a store outage leaves them counted (the safe side).</summary>
    public async ValueTask RollbackAsync(IReadOnlyList<CounterLease> leases, CancellationToken cancellationToken)
    {
        foreach (var lease in leases)
        {
            try
            {
                await _counters.RollbackAsync(lease, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                _outage.Failed(e);
            }
        }
    }

    private void Record(PolicyDecision decision, string tool, string serverId, Grant grant)
    {
        var outcome = decision.IsShadow ? "shadow-" + decision.Outcome.ToString().ToLowerInvariant() : decision.Outcome.ToString().ToLowerInvariant();
        Log.ToolCallDecided(_logger, outcome, tool, serverId, grant.Name, decision.RuleId, decision.Reason);
    }
}
