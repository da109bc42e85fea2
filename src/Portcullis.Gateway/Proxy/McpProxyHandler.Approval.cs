using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Protocol;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Proxy;

/// <summary>Keeping the client's request open while its call waits for a person.</summary>
internal sealed partial class McpProxyHandler
{
    /// <summary>
    /// Waits for the decision on a held call. When the client accepts an event stream, the answer
    /// opens as one and carries a keep-alive comment (or a progress notification, when the client
    /// sent a progress token) every heartbeat.
    /// </summary>
    private static Task WaitForApprovalAsync(HttpContext context, JsonRpcMessage message, ToolCallTicket ticket)
    {
        var hold = ticket.Hold!;
        var streaming = EventStream.Accepted(context.Request);
        var progressToken = HeldCallMessages.ProgressToken(message);
        return ticket.WaitForApprovalAsync(async beat =>
        {
            if (!streaming)
            {
                return;
            }

            if (beat == 0)
            {
                await EventStream.StartAsync(context, $"held for approval {hold.Id} until {AuditCanonicalForm.FormatTime(hold.ExpiresAt)}").ConfigureAwait(false);
            }
            else if (progressToken is { } token)
            {
                await EventStream.WriteMessageAsync(context, writer => HeldCallMessages.WriteProgress(writer, token, beat, hold)).ConfigureAwait(false);
            }
            else
            {
                await EventStream.CommentAsync(context, $"waiting for approval {hold.Id}").ConfigureAwait(false);
            }
        }, context.RequestAborted);
    }
}
