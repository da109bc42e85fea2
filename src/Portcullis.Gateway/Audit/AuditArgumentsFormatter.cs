using System.Text.Json;
using Portcullis.Policy.Documents;

namespace Portcullis.Gateway.Audit;

/// <summary>What of a call's arguments goes into its audit record, by the policy's <c>audit_args</c>.</summary>
internal static class AuditArgumentsFormatter
{
    /// <summary>JSON for the record: the argument names, the redacted arguments, or the arguments; null when the call had none.</summary>
    public static string? Format(JsonElement arguments, AuditArguments mode)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return mode switch
        {
            AuditArguments.Full => arguments.GetRawText(),
            AuditArguments.Redacted => SecretRedactor.Redact(arguments),
            _ => Keys(arguments),
        };
    }

    /// <summary>
    /// JSON for an approval request: what an approver needs to decide, so at least the redacted
    /// arguments whatever the audit log keeps, and the arguments as sent when the policy audits them in full.
    /// </summary>
    public static string? ForApproval(JsonElement arguments, AuditArguments mode) =>
        Format(arguments, mode == AuditArguments.Full ? AuditArguments.Full : AuditArguments.Redacted);

    private static string Keys(JsonElement arguments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var property in arguments.EnumerateObject())
            {
                writer.WriteStringValue(property.Name);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
