using System.Text;
using System.Text.Json;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Parsing;

namespace Portcullis.Policy.Serialization;

/// <summary>
/// Writes a <see cref="PolicyDocument"/> as canonical JSON: keys in a fixed order, tools sorted,
/// defaults written out. Parsing the output gives back an equal document.
/// </summary>
public static class PolicyWriter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The document as indented, canonical JSON.</summary>
    public static string ToJson(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_options))
        {
            writer.WriteStartObject();
            writer.WriteString("version", document.Version);
            writer.WriteString("default", Name(document.Default));
            writer.WriteString("mode", Name(document.Mode));
            if (document.AuditArgs != AuditArguments.Keys)
            {
                writer.WriteString("audit_args", Name(document.AuditArgs));
            }
            if (!document.Hide.IsEmpty)
            {
                writer.WriteStartArray("hide");
                foreach (var hide in document.Hide)
                {
                    writer.WriteStringValue(hide);
                }

                writer.WriteEndArray();
            }

            if (document.AllTools is { } allTools)
            {
                writer.WritePropertyName("all_tools");
                WriteRule(writer, allTools);
            }

            writer.WriteStartObject("tools");
            foreach (var (name, rule) in document.Tools)
            {
                writer.WritePropertyName(name);
                WriteRule(writer, rule);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteRule(Utf8JsonWriter writer, ToolRule rule)
    {
        writer.WriteStartObject();
        if (rule.Action is { } action)
        {
            writer.WriteString("action", Name(action));
        }

        if (rule.Reason is { } reason)
        {
            writer.WriteString("reason", reason);
        }

        if (!rule.Require.IsEmpty)
        {
            writer.WritePropertyName("require");
            WriteConditions(writer, rule.Require);
        }

        if (!rule.DenyIf.IsEmpty)
        {
            writer.WriteStartArray("deny_if");
            foreach (var block in rule.DenyIf)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("conditions");
                WriteConditions(writer, block.Conditions);
                if (block.OnDeny is { } onDeny)
                {
                    writer.WriteString("on_deny", onDeny);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (rule.RateLimit is { } rateLimit)
        {
            writer.WriteStartObject("rate_limit");
            writer.WriteNumber("max", rateLimit.Max);
            WriteWindow(writer, rateLimit.WindowSeconds);
            writer.WriteString("scope", Name(rateLimit.Scope));
            writer.WriteString("counter", rateLimit.Counter);
            if (rateLimit.Algorithm == LimitAlgorithm.Sliding)
            {
                writer.WriteString("algorithm", "sliding");
            }
            writer.WriteEndObject();
        }

        if (!rule.Limits.IsEmpty)
        {
            writer.WriteStartArray("limits");
            foreach (var limit in rule.Limits)
            {
                writer.WriteStartObject();
                writer.WriteString("counter", limit.Counter);
                WriteWindow(writer, limit.WindowSeconds);
                writer.WriteNumber("max", limit.Max);
                writer.WriteString("scope", Name(limit.Scope));
                if (limit.IncrementFrom is { } incrementFrom)
                {
                    writer.WriteString("increment_from", incrementFrom);
                }

                if (limit.Algorithm == LimitAlgorithm.Sliding)
                {
                    writer.WriteString("algorithm", "sliding");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (rule.Approval is { } approval)
        {
            writer.WriteStartObject("approval");
            if (!approval.When.IsEmpty)
            {
                writer.WritePropertyName("when");
                WriteConditions(writer, approval.When);
            }

            writer.WriteString("timeout", Durations.Format((long)approval.Timeout.TotalSeconds));
            writer.WriteString("on_timeout", Name(approval.OnTimeout));
            if (approval.Remember is { } remember)
            {
                writer.WriteString("remember", Durations.Format((long)remember.TotalSeconds));
            }

            if (approval.Webhook is { } webhook)
            {
                writer.WriteStartObject("webhook");
                writer.WriteString("url", webhook.Url);
                writer.WriteString("secret", webhook.Secret);
                if (webhook.AllowPrivate)
                {
                    writer.WriteBoolean("allow_private", true);
                }
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        if (rule.ValidateArgs is { } validateArgs)
        {
            writer.WritePropertyName("validate_args");
            if (validateArgs.Schema is { } schema)
            {
                // Re-parsed so the indented output nests the schema like the rest of the document.
                using var document = JsonDocument.Parse(schema);
                document.RootElement.WriteTo(writer);
            }
            else
            {
                writer.WriteBooleanValue(validateArgs.Enabled);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteConditions(Utf8JsonWriter writer, IEnumerable<ConditionSpec> conditions)
    {
        writer.WriteStartArray();
        foreach (var condition in conditions)
        {
            writer.WriteStartObject();
            writer.WriteString("path", condition.Path);
            writer.WriteString("op", ConditionOperatorNames.NameOf(condition.Op));
            if (condition.Value is { } value)
            {
                writer.WritePropertyName("value");
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteWindow(Utf8JsonWriter writer, long seconds)
    {
        var named = Durations.NamedWindows.FirstOrDefault(pair => pair.Value == seconds).Key;
        if (named is not null)
        {
            writer.WriteString("window", named);
        }
        else
        {
            writer.WriteNumber("window", seconds);
        }
    }

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
