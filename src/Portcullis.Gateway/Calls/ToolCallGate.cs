using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Validation;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;

namespace Portcullis.Gateway.Calls;

/// <summary>
/// Admits client messages for both fronts: a <c>tools/call</c> is decided by the server's policy
/// in the order of the decision pipeline (the first denial wins; nothing is reserved for a denied
/// call) and its limits reserved; a <c>tools/list</c> gets a filter for its answer; methods the
/// server may not receive are refused. What to do next is the returned
/// <see cref="ToolCallTicket"/>'s outcome; every refusal and denial is recorded here, a
/// forwarded call's record when its ticket ends.
/// </summary>
internal sealed class ToolCallGate(
    CallRecorder recorder,
    LimitReserver limits,
    ApprovalHolds holds,
    ToolPins pins,
    ToolCatalog catalog,
    RefusalRecorder refusals,
    TimeProvider timeProvider)
{
    private static readonly GatewayError s_auditUnavailable = new(GatewayFailure.AuditUnavailable,
        "The audit log cannot keep records right now (its sinks and their spill files are failing), so no call is forwarded; try again shortly.");

    private readonly ConcurrentDictionary<string, McpMethods> _methods = new(StringComparer.Ordinal);

    /// <summary>The gate and its steps as <paramref name="config"/> sets them up.</summary>
    public static ToolCallGate Create(GatewayConfig config, ICounterStore counters, AuditLog audit, ApprovalService approvals, ApprovalWebhookSender webhooks,
        ToolPins pins, ToolCatalog catalog, RefusalRecorder refusals, TimeProvider timeProvider, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<ToolCallGate>();
        return new ToolCallGate(new CallRecorder(audit, logger), new LimitReserver(counters, config.FailMode, logger),
            new ApprovalHolds(approvals, webhooks, ApprovalService.CanBeDecided(config), config.ApprovalHeartbeat, timeProvider),
            pins, catalog, refusals, timeProvider);
    }

    /// <summary>The methods that may travel to and from <paramref name="server"/>.</summary>
    public McpMethods MethodsOf(UpstreamServerConfig server) =>
        server.AllowMethods.IsEmpty ? McpMethods.Protocol : _methods.GetOrAdd(server.Id, _ => new McpMethods(server.AllowMethods));

    /// <summary>
    /// Admits <paramref name="message"/> under <paramref name="policy"/> (null when the server has
    /// none loaded: refused). <paramref name="tools"/> gives the server's tool definitions when
    /// the decision needs them.
    /// </summary>
    public async ValueTask<ToolCallTicket> AdmitAsync(ServedPolicy? policy, JsonRpcMessage message, CallOrigin origin, IToolDefinitionSource tools,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(origin);
        if (policy is null)
        {
            return await RefuseAsync(origin, message, new GatewayError(GatewayFailure.NoPolicy, $"No policy is loaded for server '{origin.Server.Id}'."))
                .ConfigureAwait(false);
        }

        if (message.Method == "notifications/cancelled")
        {
            await holds.WithdrawIfHeldAsync(origin.SessionId, message).ConfigureAwait(false);
        }

        if (message.Method == "tools/call" && message.Kind == JsonRpcKind.Notification)
        {
            return await RefuseAsync(origin, message, GatewayError.InvalidRequest("tools/call must be a request with an id, not a notification."))
                .ConfigureAwait(false);
        }

        if (message.Method is { } method && MethodsOf(origin.Server).RefusalFromClient(method) is { } refusal)
        {
            return await RefuseAsync(origin, message, GatewayError.MethodNotFound(refusal, message.Kind == JsonRpcKind.Request))
                .ConfigureAwait(false);
        }

        if (message.Kind != JsonRpcKind.Request)
        {
            return ToolCallTicket.Pass();
        }

        return message.Method switch
        {
            "tools/call" => await AdmitCallAsync(policy, message, origin, tools, cancellationToken).ConfigureAwait(false),
            "tools/list" => ToolCallTicket.Pass(listRewriter: new ToolsListRewriter(policy.Policy, origin.Server, catalog)),
            "initialize" when origin.Server.Instructions.Mode != InstructionsMode.Keep =>
                ToolCallTicket.Pass(initializeRewriter: new InstructionsRewriter(origin.Server.Instructions)),
            _ => ToolCallTicket.Pass(),
        };
    }

    private async ValueTask<ToolCallTicket> AdmitCallAsync(ServedPolicy served, JsonRpcMessage message, CallOrigin origin, IToolDefinitionSource tools,
        CancellationToken cancellationToken)
    {
        if (!ToolCallRequest.TryRead(message, out var request, out var invalid))
        {
            return await RefuseAsync(origin, message, invalid!).ConfigureAwait(false);
        }

        if (!recorder.Accepting)
        {
            // A call that cannot be recorded is not forwarded (nor decided: the decision could not be kept either).
            return await RefuseAsync(origin, message, s_auditUnavailable).ConfigureAwait(false);
        }

        var policy = served.Policy;
        var server = origin.Server;
        var call = new ToolCall(server.Id, request.Tool, request.Arguments, origin.Grant.PolicyView, origin.SessionId, timeProvider.GetUtcNow());
        if (policy.ValidatesArguments(request.Tool))
        {
            call = call with { InputSchema = await SchemaOfAsync(tools, request.Tool, cancellationToken).ConfigureAwait(false) };
        }

        var decision = policy.Evaluate(call);
        if (CallRecorder.Start(origin, message.Method!, request, served.Version, policy.Document.AuditArgs) is not { } record)
        {
            return await RefuseAsync(origin, message,
                GatewayError.InvalidParams("The call's arguments cannot be written to the audit log, so it is not forwarded.")).ConfigureAwait(false);
        }

        if (decision.RuleId == RuleIds.Hidden && decision.Blocks)
        {
            // A hidden tool answers exactly like a name with no rule: under default deny the policy's denial
            // of an unknown name, under default allow the unknown-tool error a server gives.
            await recorder.DeniedAsync(record, decision, origin.StartedAt).ConfigureAwait(false);
            return policy.Document.Default == DefaultAction.Deny
                ? ToolCallTicket.Denied(policy.UnlistedDenial(request.Tool))
                : ToolCallTicket.Refused(GatewayError.InvalidParams($"Unknown tool: {request.Tool}"));
        }

        if (server.Pinning != PinningMode.Off && await QuarantineAsync(server, tools, request.Tool, cancellationToken).ConfigureAwait(false) is { } quarantined)
        {
            return await DenyAsync(record, quarantined, origin).ConfigureAwait(false);
        }

        HoldPlan? plan = null;
        if (decision.Outcome == PolicyOutcome.RequireApproval && !decision.IsShadow)
        {
            plan = await holds.PlanAsync(decision.Approval!, origin.Grant.Name, server.Id, request.Tool, request.Arguments, policy.Document.AuditArgs,
                cancellationToken).ConfigureAwait(false);
            if (plan.Denial is { } nobodyToAsk)
            {
                return await DenyAsync(record, nobodyToAsk, origin).ConfigureAwait(false);
            }

            if (plan.Error is { } error)
            {
                return await RefuseAsync(origin, message, error).ConfigureAwait(false);
            }
        }

        if (decision.Blocks)
        {
            return await DenyAsync(record, decision, origin).ConfigureAwait(false);
        }

        // Forwarded: allowed, allowed by a shadow policy that would deny, or held for approval.
        record = decision.IsShadow && decision.Outcome != PolicyOutcome.Allow
            ? CallRecorder.As(record, AuditDecisions.ShadowDeny, decision)
            : CallRecorder.As(record, AuditDecisions.Allow, decision);
        if (plan?.RememberedBecause is { } remembered)
        {
            record = record with { Reason = remembered };
        }

        var reserved = await limits.ReserveAsync(decision, call, origin.Grant.Name, cancellationToken).ConfigureAwait(false);
        if (reserved.Denial is { } exceeded)
        {
            return await DenyAsync(record, exceeded, origin).ConfigureAwait(false);
        }

        if (reserved.RecordAs is { } recordAs)
        {
            record = record with { Decision = recordAs.Decision, RuleId = recordAs.RuleId, Reason = recordAs.Reason };
        }

        if (plan?.Request is not { } hold)
        {
            return ToolCallTicket.Forwarded(recorder, limits, holds, origin, record, reserved.Leases);
        }

        if (!await holds.OpenAsync(hold, decision.Approval!.Webhook, cancellationToken).ConfigureAwait(false))
        {
            // Nobody could ever approve it: refuse now (fail closed).
            await limits.RollbackAsync(reserved.Leases).ConfigureAwait(false);
            return await DenyAsync(record, PolicyDecision.Denied(hold.RuleId, "The approval store is unavailable, so the call cannot be held for approval."), origin)
                .ConfigureAwait(false);
        }

        await recorder.HeldAsync(record, hold).ConfigureAwait(false);
        return ToolCallTicket.Held(recorder, limits, holds, origin, message.Id.GetRawText(), record, reserved.Leases, hold, decision.Approval.OnTimeout);
    }

    /// <summary>The tool's input schema as the server advertises it now, or why there is none.</summary>
    private static async ValueTask<ServerToolSchema> SchemaOfAsync(IToolDefinitionSource tools, string toolName, CancellationToken cancellationToken)
    {
        var (definitions, problem) = await tools.DefinitionsAsync(cancellationToken).ConfigureAwait(false);
        return definitions?.SchemaOf(toolName) ?? ServerToolSchema.Unavailable($"the server's tool list could not be read ({problem})");
    }

    /// <summary>
    /// The denial of a call whose tool is quarantined by pinning, or null when it may go on: the
    /// server's definition of the tool must be the approved one. A list that cannot be had, or a
    /// pin store that cannot be asked, refuses the call.
    /// </summary>
    private async ValueTask<PolicyDecision?> QuarantineAsync(UpstreamServerConfig server, IToolDefinitionSource tools, string toolName,
        CancellationToken cancellationToken)
    {
        var (definitions, problem) = await tools.DefinitionsAsync(cancellationToken).ConfigureAwait(false);
        if (definitions is null)
        {
            return PolicyDecision.Denied(ToolPins.RuleId, $"The definition of {toolName} cannot be checked against its pin: the server's tool list could not be read ({problem}).");
        }

        if (definitions.IsUnpinnable(toolName))
        {
            return PolicyDecision.Denied(ToolPins.RuleId, $"The definition of {toolName} cannot be pinned: a string in it is not valid Unicode.");
        }

        if (definitions.DefinitionOf(toolName) is not { } definition)
        {
            // Nothing to pin: under tofu the call goes on (the server answers for a tool it does not list); strict approves only listed definitions.
            return server.Pinning == PinningMode.Strict
                ? PolicyDecision.Denied(ToolPins.RuleId, $"The server does not list {toolName}, so no definition of it has been approved (pinning: strict).")
                : null;
        }

        var verdict = await pins.CheckAsync(server, definition, cancellationToken).ConfigureAwait(false);
        return verdict == PinVerdict.Approved ? null : ToolPins.Denial(toolName, verdict);
    }

    private async ValueTask<ToolCallTicket> DenyAsync(AuditRecord record, PolicyDecision denial, CallOrigin origin)
    {
        await recorder.DeniedAsync(record, denial, origin.StartedAt).ConfigureAwait(false);
        return ToolCallTicket.Denied(denial);
    }

    private async ValueTask<ToolCallTicket> RefuseAsync(CallOrigin origin, JsonRpcMessage message, GatewayError error)
    {
        await refusals.RecordAsync(error, new Refusal
        {
            Server = origin.Server.Id,
            Grant = origin.Grant.Name,
            Method = message.Method,
            Client = origin.Client,
        }).ConfigureAwait(false);
        return ToolCallTicket.Refused(error);
    }
}
