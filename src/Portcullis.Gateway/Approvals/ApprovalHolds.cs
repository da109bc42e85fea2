using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Protocol;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Approvals;

/// <summary>
/// Holding calls for a person's decision, the same way for every front: what a call that needs
/// approval comes to (an identical call approved lately, a new pending approval, or a denial
/// when nobody could approve it here), storing the approval, waiting for it with a heartbeat
/// from the configuration, and withdrawing it when the client cancels the call or goes away.
/// </summary>
internal sealed class ApprovalHolds(ApprovalService approvals, ApprovalWebhookSender webhooks, bool canHold, TimeSpan heartbeat, TimeProvider timeProvider)
{
    /// <summary>Held calls by (session, JSON-RPC id as raw text), so <c>notifications/cancelled</c> can withdraw them.</summary>
    private readonly HeldCalls<(string Session, string Request)> _held = new(timeProvider);

    /// <summary>
    /// What a call needing <paramref name="requirement"/> comes to before its limits are reserved.
    /// The approver sees the argument values (redacted unless the policy audits them in full),
    /// whatever the audit record keeps.
    /// </summary>
    public async ValueTask<HoldPlan> PlanAsync(ApprovalRequirement requirement, string grant, string serverId, string tool, JsonElement arguments,
        AuditArguments auditArgs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        if (!canHold)
        {
            return new HoldPlan
            {
                Denial = PolicyDecision.Denied(requirement.RuleId, requirement.Reason
                    + " Nobody could approve it here (no admins for the admin API, and a memory store the CLI cannot reach), so the call is denied."),
            };
        }

        var argumentsHash = HashArguments(arguments);
        if (requirement.Remember is { } window
            && await approvals.FindRememberedAsync(grant, serverId, tool, argumentsHash, window, cancellationToken).ConfigureAwait(false) is { } remembered)
        {
            return new HoldPlan { RememberedBecause = $"approved by {remembered.DecidedBy} ({remembered.Id}); identical calls are let through for {window.TotalSeconds:0} s" };
        }

        string? shown;
        try
        {
            shown = AuditArgumentsFormatter.ForApproval(arguments, auditArgs);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
        {
            return new HoldPlan { Error = GatewayError.InvalidParams("The call's arguments cannot be written to its approval request, so it is not forwarded.") };
        }

        var now = AuditCanonicalForm.Truncate(timeProvider.GetUtcNow());
        return new HoldPlan
        {
            Request = new ApprovalRequest
            {
                Id = ApprovalService.NewId(),
                Grant = grant,
                Server = serverId,
                Tool = tool,
                Arguments = shown,
                ArgumentsHash = argumentsHash,
                RuleId = requirement.RuleId,
                Reason = requirement.Reason,
                RequestedAt = now,
                ExpiresAt = now + requirement.Timeout,
            },
        };
    }

    /// <summary>Stores a pending approval and sends its webhook; false when the store cannot keep it (nobody could ever approve it).</summary>
    public async ValueTask<bool> OpenAsync(ApprovalRequest hold, ApprovalWebhook? webhook, CancellationToken cancellationToken)
    {
        try
        {
            await approvals.CreateAsync(hold, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return false;
        }

        if (webhook is not null)
        {
            _ = webhooks.SendAsync(webhook, hold, CancellationToken.None);
        }

        return true;
    }

    /// <summary>
    /// Waits for the decision on <paramref name="hold"/>, made by the request
    /// <paramref name="requestId"/> on <paramref name="sessionId"/>. <paramref name="keepAlive"/> is
    /// called with 0 before the wait and with 1, 2, … every heartbeat; when it fails (the client
    /// is gone) or <paramref name="clientGone"/> fires, the approval is withdrawn. Returns the
    /// approval as finally decided.
    /// </summary>
    public async Task<ApprovalRequest> WaitAsync(ApprovalRequest hold, string? sessionId, string requestId, Func<int, Task> keepAlive, CancellationToken clientGone)
    {
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(keepAlive);
        var key = (sessionId ?? "", requestId);
        if (_held.Register(key, hold.Id))
        {
            // The client cancelled the call before it was held.
            _held.Remove(key);
            return await approvals.WithdrawAsync(hold.Id).ConfigureAwait(false);
        }

        try
        {
            var beats = 0;
            await keepAlive(0).ConfigureAwait(false);
            return await approvals.WaitAsync(hold, () => keepAlive(++beats), heartbeat, clientGone).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away while its answer was being opened or kept alive.
            return await approvals.WithdrawAsync(hold.Id).ConfigureAwait(false);
        }
        finally
        {
            _held.Remove(key);
        }
    }

    /// <summary>Withdraws a held call nobody waits for any more; returns it as finally decided.</summary>
    public Task<ApprovalRequest> WithdrawAsync(ApprovalRequest hold)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return approvals.WithdrawAsync(hold.Id);
    }

    /// <summary>For a <c>notifications/cancelled</c>: withdraws the held call it names on <paramref name="sessionId"/>, if this instance holds it.</summary>
    public async Task WithdrawIfHeldAsync(string? sessionId, JsonRpcMessage message)
    {
        if (HeldCallMessages.CancelledRequestId(message) is { } requestId && _held.Cancel((sessionId ?? "", requestId)) is { } approvalId)
        {
            await approvals.WithdrawAsync(approvalId).ConfigureAwait(false);
        }
    }

    private static string HashArguments(JsonElement arguments) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            arguments.ValueKind == JsonValueKind.Object ? AuditCanonicalForm.CanonicalJson(arguments.GetRawText()) : "{}")));
}
