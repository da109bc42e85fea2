using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Approvals;

/// <summary>An approval as the admin API and the CLI show it (the arguments hash stays inside).</summary>
public static class ApprovalJson
{
    /// <summary>The fields shown for <paramref name="approval"/>, snake_case.</summary>
    public static Dictionary<string, object?> From(ApprovalRequest approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return new Dictionary<string, object?>
        {
            ["id"] = approval.Id,
            ["status"] = approval.Status,
            ["grant"] = approval.Grant,
            ["server"] = approval.Server,
            ["tool"] = approval.Tool,
            ["arguments"] = approval.Arguments,
            ["rule_id"] = approval.RuleId,
            ["reason"] = approval.Reason,
            ["requested_at"] = AuditCanonicalForm.FormatTime(approval.RequestedAt),
            ["expires_at"] = AuditCanonicalForm.FormatTime(approval.ExpiresAt),
            ["decided_by"] = approval.DecidedBy,
            ["comment"] = approval.Comment,
            ["decided_at"] = approval.DecidedAt is { } at ? AuditCanonicalForm.FormatTime(at) : null,
        };
    }
}
