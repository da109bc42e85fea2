using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Proxy;

/// <summary>Holding a call for approval on the HTTP front.</summary>
internal sealed partial class McpProxyHandler
{
    /// <summary>Held calls by (gateway session, JSON-RPC id), so <c>notifications/cancelled</c> can withdraw them.</summary>
    private readonly HeldCalls<(string Session, string RequestId)> _held = new(timeProvider);

    /// <summary>
    /// Keeps the client's request open while the call waits for a person: an event stream with a
    /// keep-alive comment (or a progress notification, when the client sent a progress token)
    /// every heartbeat. Returns what the gate makes of the final decision.
    /// </summary>
    private async Task<ToolCallAdmission> HoldAsync(HttpContext context, JsonRpcMessage message, StoredSession? session, ToolCallAdmission admission)
    {
        var hold = admission.Hold!;
        var key = (session?.Id ?? "", message.Id.GetRawText());
        if (_held.Register(key, hold.Id))
        {
            await approvals.WithdrawAsync(hold.Id).ConfigureAwait(false);
        }

        try
        {
            var streaming = EventStream.Accepted(context.Request);
            var expires = AuditCanonicalForm.FormatTime(hold.ExpiresAt);
            var progressToken = HeldCallMessages.ProgressToken(message);
            var beats = 0;
            ApprovalRequest outcome;
            try
            {
                if (streaming)
                {
                    await EventStream.StartAsync(context, $"held for approval {hold.Id} until {expires}").ConfigureAwait(false);
                }

                outcome = await approvals.WaitAsync(hold, async () =>
                {
                    if (!streaming)
                    {
                        return;
                    }

                    beats++;
                    if (progressToken is { } token)
                    {
                        await EventStream.WriteMessageAsync(context, writer => HeldCallMessages.WriteProgress(writer, token, beats, hold)).ConfigureAwait(false);
                    }
                    else
                    {
                        await EventStream.CommentAsync(context, $"waiting for approval {hold.Id}").ConfigureAwait(false);
                    }
                }, config.ApprovalHeartbeat, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client went away while the answer was being opened or kept alive.
                outcome = await approvals.WithdrawAsync(hold.Id).ConfigureAwait(false);
            }

            return await gate.ResolveHoldAsync(admission, outcome).ConfigureAwait(false);
        }
        finally
        {
            _held.Remove(key);
        }
    }

    /// <summary>Withdraws the held call a <c>notifications/cancelled</c> names, if this instance holds it.</summary>
    private async Task WithdrawIfHeldAsync(JsonRpcMessage message, StoredSession? session)
    {
        if (HeldCallMessages.CancelledRequestId(message) is { } requestId && _held.Cancel((session?.Id ?? "", requestId)) is { } approvalId)
        {
            await approvals.WithdrawAsync(approvalId).ConfigureAwait(false);
        }
    }
}
