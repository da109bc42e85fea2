using System.Text.Json;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Approvals;

/// <summary>An approval as the admin API and the CLI show it (the arguments hash stays inside).</summary>
internal static class ApprovalJson
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
            ["arguments"] = Arguments(approval),
            ["rule_id"] = approval.RuleId,
            ["reason"] = approval.Reason,
            ["requested_at"] = AuditCanonicalForm.FormatTime(approval.RequestedAt),
            ["expires_at"] = AuditCanonicalForm.FormatTime(approval.ExpiresAt),
            ["decided_by"] = approval.DecidedBy,
            ["comment"] = approval.Comment,
            ["decided_at"] = approval.DecidedAt is { } at ? AuditCanonicalForm.FormatTime(at) : null,
        };
    }

    /// <summary>
    /// The call's arguments as JSON (an object, or an array of names for approvals stored before they
    /// carried values), as the audit API shows a record's <c>args</c>; null when the call had none.
    /// </summary>
    public static JsonElement? Arguments(ApprovalRequest approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        if (approval.Arguments is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(approval.Arguments);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not JSON (a store written by hand): shown as the text it is rather than not at all.
            return JsonSerializer.SerializeToElement(approval.Arguments);
        }
    }
}
