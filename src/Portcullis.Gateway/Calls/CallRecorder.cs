using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Audit;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Calls;

/// <summary>
/// Builds and writes the audit records of tool calls: one per decision — a refused call's at
/// once, a held call's request for approval, a forwarded call's once the upstream has answered.
/// </summary>
internal sealed class CallRecorder(AuditLog audit, ILogger logger)
{
    /// <summary>Whether the audit log takes records now; no call is decided or forwarded while it does not.</summary>
    public bool Accepting => audit.Accepting;

    /// <summary>
    /// The record of a call, not yet decided; null when its arguments cannot be written the way
    /// <paramref name="auditArgs"/> asks (the call is then not forwarded).
    /// </summary>
    public static AuditRecord? Start(CallOrigin origin, string method, ToolCallRequest request, int policyVersion, AuditArguments auditArgs)
    {
        ArgumentNullException.ThrowIfNull(origin);
        string? arguments;
        try
        {
            arguments = AuditArgumentsFormatter.Format(request.Arguments, auditArgs);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
        {
            return null;
        }

        return new AuditRecord
        {
            Kind = AuditKinds.Call,
            RequestId = "req_" + Guid.CreateVersion7().ToString("N"),
            Grant = origin.Grant.Name,
            Server = origin.Server.Id,
            Session = origin.SessionId,
            Method = method,
            Tool = request.Tool,
            PolicyVersion = policyVersion,
            Arguments = arguments,
        };
    }

    /// <summary><paramref name="record"/> decided as <paramref name="outcome"/> by <paramref name="decision"/>'s rule and reason.</summary>
    public static AuditRecord As(AuditRecord record, string outcome, in PolicyDecision decision) =>
        record with { Decision = outcome, RuleId = decision.RuleId, Reason = decision.Reason };

    /// <summary>Records a refused call.</summary>
    public async ValueTask DeniedAsync(AuditRecord record, PolicyDecision decision, long startedAt)
    {
        record = As(record, AuditDecisions.Deny, decision) with { TotalMicros = (long)Stopwatch.GetElapsedTime(startedAt).TotalMicroseconds };
        Log.ToolCallDecided(logger, record.Decision!, record.Tool!, record.Server!, record.Grant!, record.RuleId!, record.Reason!);
        await audit.RecordAsync(record).ConfigureAwait(false);
    }

    /// <summary>Records that a call waits for <paramref name="hold"/>.</summary>
    public async ValueTask HeldAsync(AuditRecord record, ApprovalRequest hold)
    {
        await audit.RecordAsync(record with
        {
            Decision = AuditDecisions.ApprovalRequested,
            RuleId = hold.RuleId,
            Reason = $"{hold.Reason} Held as {hold.Id} until {AuditCanonicalForm.FormatTime(hold.ExpiresAt)}.",
        }).ConfigureAwait(false);
        Log.ToolCallDecided(logger, AuditDecisions.ApprovalRequested, record.Tool!, record.Server!, record.Grant!, hold.RuleId, hold.Id);
    }

    /// <summary>Records a forwarded call once the upstream has answered, or failed to.</summary>
    public async ValueTask ForwardedAsync(AuditRecord record, UpstreamExchange exchange, long startedAt)
    {
        var failed = exchange.FailureReason is not null || exchange.Status is null;
        record = record with
        {
            Decision = failed ? AuditDecisions.UpstreamError : record.Decision,
            Reason = failed ? exchange.FailureReason ?? "upstream failed" : record.Reason,
            UpstreamStatus = exchange.Status,
            UpstreamMicros = (long)exchange.Elapsed.TotalMicroseconds,
            TotalMicros = (long)Stopwatch.GetElapsedTime(startedAt).TotalMicroseconds,
        };
        Log.ToolCallDecided(logger, record.Decision!, record.Tool!, record.Server!, record.Grant!, record.RuleId ?? "", record.Reason ?? "");
        await audit.RecordAsync(record).ConfigureAwait(false);
    }
}
