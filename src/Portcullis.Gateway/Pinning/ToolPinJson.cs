using Portcullis.Storage.Audit;
using Portcullis.Storage.Pins;

namespace Portcullis.Gateway.Pinning;

/// <summary>A pin as the admin API shows it: snake_case names, times as in audit records, absent values as null.</summary>
internal static class ToolPinJson
{
    public static Dictionary<string, object?> From(ToolPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return new Dictionary<string, object?>
        {
            ["name"] = pin.Tool,
            ["state"] = pin.State switch
            {
                ToolPinState.Pinned => "pinned",
                ToolPinState.Changed => "changed",
                _ => "unapproved",
            },
            ["approved_sha256"] = pin.ApprovedHash,
            ["approved_by"] = pin.ApprovedBy,
            ["approved_at"] = Time(pin.ApprovedAt),
            ["advertised_sha256"] = pin.PendingHash ?? pin.ApprovedHash,
            ["changed_at"] = Time(pin.PendingSince),
            ["first_seen"] = Time(pin.FirstSeen),
            ["risk"] = Risk(pin.PendingDefinition ?? pin.ApprovedDefinition),
            ["changes"] = pin.PendingDefinition is { } pending ? DefinitionChanges.Summary(DefinitionChanges.Between(pin.ApprovedDefinition, pending)) : null,
        };
    }

    /// <summary>The classifier's category and severity of the definition the server advertises now.</summary>
    private static Dictionary<string, string>? Risk(string? canonical)
    {
        if (canonical is null)
        {
            return null;
        }

        var risk = DefinitionRisk.Classify(canonical);
        return new Dictionary<string, string> { ["category"] = DefinitionRisk.Name(risk.Category), ["severity"] = DefinitionRisk.Name(risk.Severity) };
    }

    private static string? Time(DateTimeOffset? time) => time is { } value ? AuditCanonicalForm.FormatTime(value) : null;
}
