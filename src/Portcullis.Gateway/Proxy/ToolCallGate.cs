using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.State;
using Portcullis.Storage;
using Portcullis.Policy.Documents;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;
using Portcullis.Gateway.Policies;
using Portcullis.Policy.Evaluation;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// Decides a <c>tools/call</c> by the server's policy and reserves its limits, in the order of
/// the decision pipeline; the first denial wins and nothing is reserved for a denied call. Every
/// decision becomes exactly one audit record: a refused call's at once, a forwarded call's when
/// the upstream has answered (<see cref="CompleteAsync"/>).
/// </summary>
internal sealed class ToolCallGate
{
    /// <summary>The reason a limited call is denied while the counter store is down and fail_mode is closed.</summary>
    public const string StoreUnavailableReason = "rate-limit store unavailable";

    private static readonly Meter s_meter = new(Telemetry.GatewayTelemetry.Name);
    private static readonly Counter<long> s_failOpenAllowed = s_meter.CreateCounter<long>("portcullis.limits.fail_open_allowed", "{call}",
        "Calls let through without reserving their limit because the counter store was unavailable and fail_mode is open.");

    private static readonly GatewayError s_auditUnavailable = new(503, -32005,
        "The audit log cannot keep records right now (its sinks and their spill files are failing), so no call is forwarded; try again shortly.");

    private readonly ICounterStore _counters;
    private readonly FailMode _failMode;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreOutage _outage;
    private readonly AuditLog _audit;
    private readonly ApprovalService _approvals;
    private readonly ApprovalWebhookSender _webhooks;
    private readonly bool _canHold;
    private readonly ToolCatalog _tools;
    private readonly ConcurrentDictionary<string, McpMethods> _methods = new(StringComparer.Ordinal);

    public ToolCallGate(ICounterStore counters, FailMode failMode, AuditLog audit, ApprovalService approvals, ApprovalWebhookSender webhooks, bool canHold,
        ToolCatalog tools, TimeProvider timeProvider, ILogger<ToolCallGate> logger)
    {
        _tools = tools;
        _canHold = canHold;
        _counters = counters;
        _audit = audit;
        _approvals = approvals;
        _webhooks = webhooks;
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
    /// <c>tools/list</c> gets a filter for its answer, everything else passes. Both fronts call this;
    /// <paramref name="upstream"/> is the session the message travels on, over which the server's
    /// tool definitions are read when the policy validates arguments and has none yet.
    /// </summary>
    public async ValueTask<ToolCallAdmission> AdmitMessageAsync(ServedPolicy policy, JsonRpcMessage message, Grant grant, UpstreamHttpSession upstream,
        string? sessionId, long startedAt, CancellationToken cancellationToken)
    {
        if (message.Method == "tools/call" && message.Kind == JsonRpcKind.Notification)
        {
            return new ToolCallAdmission { Error = GatewayError.InvalidRequest("tools/call must be a request with an id, not a notification.") };
        }

        if (message.Method is { } method && MethodsOf(upstream.Server).RefusalFromClient(method) is { } refusal)
        {
            return new ToolCallAdmission { Error = GatewayError.MethodNotFound(refusal, message.Kind == JsonRpcKind.Request) };
        }

        if (message.Kind != JsonRpcKind.Request)
        {
            return new ToolCallAdmission();
        }

        return message.Method switch
        {
            "tools/call" => await AdmitAsync(policy, message, grant, upstream, sessionId, startedAt, cancellationToken).ConfigureAwait(false),
            "tools/list" => new ToolCallAdmission { Rewriter = new ToolsListRewriter(policy.Policy) },
            "initialize" when upstream.Server.Instructions.Mode != InstructionsMode.Keep =>
                new ToolCallAdmission { InitializeRewriter = new InstructionsRewriter(upstream.Server.Instructions) },
            _ => new ToolCallAdmission(),
        };
    }

    /// <summary>The methods that may travel to and from <paramref name="server"/>.</summary>
    public McpMethods MethodsOf(UpstreamServerConfig server) =>
        server.AllowMethods.IsEmpty ? McpMethods.Protocol : _methods.GetOrAdd(server.Id, _ => new McpMethods(server.AllowMethods));

    private async ValueTask<ToolCallAdmission> AdmitAsync(ServedPolicy served, JsonRpcMessage message, Grant grant, UpstreamHttpSession upstream,
        string? sessionId, long startedAt, CancellationToken cancellationToken)
    {
        var policy = served.Policy;
        var serverId = upstream.Server.Id;
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

        if (!_audit.Accepting)
        {
            // A call that cannot be recorded is not forwarded (nor decided: the decision could not be kept either).
            return new ToolCallAdmission { Error = s_auditUnavailable };
        }

        var toolName = nameElement.GetString()!;
        var call = new ToolCall(serverId, toolName, arguments, grant.PolicyView, sessionId, _timeProvider.GetUtcNow());
        if (policy.ValidatesArguments(toolName))
        {
            call = call with { InputSchema = await _tools.SchemaOfAsync(upstream, toolName, cancellationToken).ConfigureAwait(false) };
        }

        var decision = policy.Evaluate(call);
        string? recordedArguments;
        try
        {
            recordedArguments = AuditArgumentsFormatter.Format(arguments, policy.Document.AuditArgs);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
        {
            // A call that cannot be recorded is not forwarded.
            return new ToolCallAdmission { Error = GatewayError.InvalidParams("The call's arguments cannot be written to the audit log, so it is not forwarded.") };
        }

        var record = new AuditRecord
        {
            Kind = AuditKinds.Call,
            RequestId = "req_" + Guid.CreateVersion7().ToString("N"),
            Grant = grant.Name,
            Server = serverId,
            Session = sessionId,
            Method = message.Method,
            Tool = toolName,
            PolicyVersion = served.Version,
            Arguments = recordedArguments,
        };
        if (decision.RuleId == RuleIds.Hidden && decision.Blocks)
        {
            // A hidden tool answers exactly like a name with no rule: under default deny the policy's denial
            // of an unknown name, under default allow the unknown-tool error a server gives.
            await RefuseAsync(record, decision, startedAt).ConfigureAwait(false);
            return policy.Document.Default == DefaultAction.Deny
                ? new ToolCallAdmission { Denial = policy.UnlistedDenial(toolName) }
                : new ToolCallAdmission { Error = GatewayError.InvalidParams($"Unknown tool: {toolName}"), Audited = true };
        }

        ApprovalRequest? hold = null;
        if (decision.Outcome == PolicyOutcome.RequireApproval && !decision.IsShadow)
        {
            var requirement = decision.Approval!;
            if (!_canHold)
            {
                var denial = PolicyDecision.Denied(decision.RuleId, decision.Reason
                    + " Nobody could approve it here (no admins for the admin API, and a memory store the CLI cannot reach), so the call is denied.");
                await RefuseAsync(record, denial, startedAt).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = denial };
            }

            var argumentsHash = HashArguments(arguments);
            if (requirement.Remember is { } window
                && await _approvals.FindRememberedAsync(grant.Name, serverId, toolName, argumentsHash, window, cancellationToken).ConfigureAwait(false) is { } remembered)
            {
                record = With(record, AuditDecisions.Allow, decision) with
                {
                    Reason = $"approved by {remembered.DecidedBy} ({remembered.Id}); identical calls are let through for {window.TotalSeconds:0} s",
                };
            }
            else
            {
                // The approver sees the values (redacted unless the policy audits them in full); the audit record keeps what audit_args says.
                string? approvalArguments;
                try
                {
                    approvalArguments = AuditArgumentsFormatter.ForApproval(arguments, policy.Document.AuditArgs);
                }
                catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
                {
                    return new ToolCallAdmission { Error = GatewayError.InvalidParams("The call's arguments cannot be written to its approval request, so it is not forwarded.") };
                }

                var now = AuditCanonicalForm.Truncate(_timeProvider.GetUtcNow());
                hold = new ApprovalRequest
                {
                    Id = ApprovalService.NewId(),
                    Grant = grant.Name,
                    Server = serverId,
                    Tool = toolName,
                    Arguments = approvalArguments,
                    ArgumentsHash = argumentsHash,
                    RuleId = requirement.RuleId,
                    Reason = requirement.Reason,
                    RequestedAt = now,
                    ExpiresAt = now + requirement.Timeout,
                };
            }
        }

        if (decision.Blocks)
        {
            await RefuseAsync(record, decision, startedAt).ConfigureAwait(false);
            return new ToolCallAdmission { Denial = decision };
        }

        // Forwarded: allowed, allowed by a shadow policy that would deny, or allowed without a counter.
        record = decision.IsShadow && decision.Outcome != PolicyOutcome.Allow
            ? With(record, AuditDecisions.ShadowDeny, decision)
            : With(record, AuditDecisions.Allow, decision);
        var leases = new List<CounterLease>(decision.Limits.Count);
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var reservation = decision.Limits[i];
            CounterLease? lease;
            TimeSpan? slidingRetryAfter = null;
            try
            {
                if (reservation.IsSliding)
                {
                    var sliding = await _counters.TryReserveSlidingAsync(reservation.CounterKey, call.Time, reservation.Window, reservation.Max, reservation.Amount,
                        cancellationToken).ConfigureAwait(false);
                    (lease, slidingRetryAfter) = (sliding.Lease, sliding.RetryAfter);
                }
                else
                {
                    lease = await _counters.TryReserveAsync(reservation.CounterKey, reservation.WindowStart, reservation.WindowEnd, reservation.Max, reservation.Amount,
                        cancellationToken).ConfigureAwait(false);
                }

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
                    record = record with { Decision = AuditDecisions.FailOpenAllow, RuleId = reservation.Limit.RuleId, Reason = StoreUnavailableReason };
                    continue;
                }

                var unavailable = PolicyDecision.Denied(reservation.Limit.RuleId, StoreUnavailableReason);
                await RollbackAsync(leases, CancellationToken.None).ConfigureAwait(false);
                await RefuseAsync(record, unavailable, startedAt).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = unavailable };
            }

            if (lease is not null)
            {
                leases.Add(lease);
                continue;
            }

            var exceeded = reservation.IsSliding
                ? PolicyDecision.SlidingLimitExceeded(reservation, call.Time, slidingRetryAfter, decision.IsShadow)
                : PolicyDecision.LimitExceeded(reservation, call.Time, decision.IsShadow);
            if (!decision.IsShadow)
            {
                await RollbackAsync(leases, CancellationToken.None).ConfigureAwait(false);
                await RefuseAsync(record, exceeded, startedAt).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = exceeded };
            }

            record = With(record, AuditDecisions.ShadowDeny, exceeded);
        }

        if (hold is not null)
        {
            try
            {
                await _approvals.CreateAsync(hold, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException)
            {
                // Nobody could ever approve it: refuse now (fail closed).
                await RollbackAsync(leases, CancellationToken.None).ConfigureAwait(false);
                var unavailable = PolicyDecision.Denied(hold.RuleId, "The approval store is unavailable, so the call cannot be held for approval.");
                await RefuseAsync(record, unavailable, startedAt).ConfigureAwait(false);
                return new ToolCallAdmission { Denial = unavailable };
            }

            await _audit.RecordAsync(record with
            {
                Decision = AuditDecisions.ApprovalRequested,
                RuleId = hold.RuleId,
                Reason = $"{hold.Reason} Held as {hold.Id} until {AuditCanonicalForm.FormatTime(hold.ExpiresAt)}.",
            }).ConfigureAwait(false);
            Log.ToolCallDecided(_logger, AuditDecisions.ApprovalRequested, toolName, serverId, grant.Name, hold.RuleId, hold.Id);
            if (decision.Approval!.Webhook is { } webhook)
            {
                _ = _webhooks.SendAsync(webhook, hold, CancellationToken.None);
            }

            return new ToolCallAdmission
            {
                Leases = leases,
                PendingRecord = record,
                StartedAt = startedAt,
                Hold = hold,
                OnTimeout = decision.Approval.OnTimeout,
            };
        }

        return new ToolCallAdmission { Leases = leases, PendingRecord = record, StartedAt = startedAt };
    }

    /// <summary>
    /// Turns a held call's final approval state into what happens to it: forwarded (approved, or
    /// timed out where <c>on_timeout</c> allows) or denied (reservations given back, recorded).
    /// </summary>
    public async ValueTask<ToolCallAdmission> ResolveHoldAsync(ToolCallAdmission admission, ApprovalRequest outcome)
    {
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(outcome);
        var record = admission.PendingRecord!;
        var ruleId = admission.Hold!.RuleId;
        string? allowedBecause = outcome.Status switch
        {
            ApprovalStatus.Approved => $"approved by {outcome.DecidedBy}" + (string.IsNullOrEmpty(outcome.Comment) ? "" : ": " + outcome.Comment),
            ApprovalStatus.TimedOut when admission.OnTimeout == TimeoutAction.Allow => "approval timed out; on_timeout allows the call",
            _ => null,
        };
        if (allowedBecause is not null)
        {
            return admission with { Hold = null, PendingRecord = record with { Decision = AuditDecisions.Allow, RuleId = ruleId, Reason = allowedBecause } };
        }

        var reason = outcome.Status switch
        {
            ApprovalStatus.Denied => $"Denied by {outcome.DecidedBy}" + (string.IsNullOrEmpty(outcome.Comment) ? "." : ": " + outcome.Comment),
            ApprovalStatus.TimedOut => $"Approval timed out: {outcome.Comment}.",
            _ => $"Approval withdrawn: {outcome.Comment}.",
        };
        await RollbackAsync(admission.Leases, CancellationToken.None).ConfigureAwait(false);
        var denial = PolicyDecision.Denied(ruleId, reason);
        await RefuseAsync(record, denial, admission.StartedAt).ConfigureAwait(false);
        return new ToolCallAdmission { Denial = denial };
    }

    /// <summary>
    /// Ends a call that was allowed (after its hold) but will not be forwarded because the client
    /// went away: its reservations are given back and its record says so.
    /// </summary>
    public async ValueTask AbandonAsync(ToolCallAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        if (admission.PendingRecord is not { } record || admission.Denial is not null)
        {
            return;
        }

        await RollbackAsync(admission.Leases, CancellationToken.None).ConfigureAwait(false);
        await RefuseAsync(record, PolicyDecision.Denied(record.RuleId ?? "", "The client went away before the call was forwarded."), admission.StartedAt)
            .ConfigureAwait(false);
    }

    private static string HashArguments(JsonElement arguments) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            arguments.ValueKind == JsonValueKind.Object ? AuditCanonicalForm.CanonicalJson(arguments.GetRawText()) : "{}")));

    /// <summary>
    /// Records a forwarded call once the upstream has answered (<paramref name="upstreamStatus"/>),
    /// or failed to (<paramref name="failureReason"/>). Does nothing for other messages.
    /// </summary>
    public async ValueTask CompleteAsync(ToolCallAdmission admission, int? upstreamStatus, TimeSpan upstreamTime, string? failureReason)
    {
        ArgumentNullException.ThrowIfNull(admission);
        if (admission.PendingRecord is not { } record)
        {
            return;
        }

        var failed = failureReason is not null || upstreamStatus is null;
        record = record with
        {
            Decision = failed ? AuditDecisions.UpstreamError : record.Decision,
            Reason = failed ? failureReason ?? "upstream failed" : record.Reason,
            UpstreamStatus = upstreamStatus,
            UpstreamMicros = (long)upstreamTime.TotalMicroseconds,
            TotalMicros = (long)Stopwatch.GetElapsedTime(admission.StartedAt).TotalMicroseconds,
        };
        Log.ToolCallDecided(_logger, record.Decision!, record.Tool!, record.Server!, record.Grant!, record.RuleId ?? "", record.Reason ?? "");
        await _audit.RecordAsync(record).ConfigureAwait(false);
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

    private async ValueTask RefuseAsync(AuditRecord record, PolicyDecision decision, long startedAt)
    {
        record = With(record, AuditDecisions.Deny, decision) with { TotalMicros = (long)Stopwatch.GetElapsedTime(startedAt).TotalMicroseconds };
        Log.ToolCallDecided(_logger, record.Decision!, record.Tool!, record.Server!, record.Grant!, record.RuleId!, record.Reason!);
        await _audit.RecordAsync(record).ConfigureAwait(false);
    }

    private static AuditRecord With(AuditRecord record, string outcome, in PolicyDecision decision) =>
        record with { Decision = outcome, RuleId = decision.RuleId, Reason = decision.Reason };
}
