using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Portcullis.Policy.Documents;

namespace Portcullis.Web.Builder;

/// <summary>
/// Writes a <see cref="PolicyDraft"/> as policy JSON, keeping what the operator typed where it is
/// not what the format expects (a maximum of "ten" is written as the string "ten"), so that parsing
/// the result gives the same messages as <c>portcullis policy check</c> on a hand-written file.
/// </summary>
internal static class PolicyDraftWriter
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The draft as indented policy JSON.</summary>
    public static string ToJson(PolicyDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_options))
        {
            writer.WriteStartObject();
            writer.WriteString("version", PolicyDocument.CurrentVersion);
            writer.WriteString("default", draft.Default);
            writer.WriteString("mode", draft.Mode);
            if (draft.AuditArgs != "keys")
            {
                writer.WriteString("audit_args", draft.AuditArgs);
            }

            var hidden = HiddenNames(draft);
            if (hidden.Count > 0)
            {
                writer.WriteStartArray("hide");
                foreach (var name in hidden)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            if (draft.AllTools is { } allTools)
            {
                writer.WritePropertyName("all_tools");
                WriteRule(writer, allTools);
            }

            writer.WriteStartObject("tools");
            foreach (var tool in draft.Tools.Where(t => t.Action != DraftAction.Hide))
            {
                writer.WritePropertyName(tool.Name);
                WriteRule(writer, tool);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The <c>hide</c> list: the patterns typed, then every tool whose rule hides it, without repeats.</summary>
    private static List<string> HiddenNames(PolicyDraft draft)
    {
        var names = new List<string>();
        foreach (var name in draft.HidePatterns.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     .Concat(draft.Tools.Where(t => t.Action == DraftAction.Hide).Select(t => t.Name)))
        {
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private static void WriteRule(Utf8JsonWriter writer, ToolDraft rule)
    {
        writer.WriteStartObject();
        switch (rule.Action)
        {
            case DraftAction.Deny:
                writer.WriteString("action", "deny");
                break;
            case DraftAction.RequireApproval:
                writer.WriteString("action", "require_approval");
                break;
        }

        if (rule.Action is DraftAction.Deny or DraftAction.RequireApproval && rule.Reason.Trim().Length > 0)
        {
            writer.WriteString("reason", rule.Reason.Trim());
        }

        WriteConditions(writer, "require", rule.Conditions.Where(c => c.Kind == ConditionKind.Require));
        WriteDenyIf(writer, rule.Conditions.Where(c => c.Kind == ConditionKind.DenyIf));
        if (rule.Limits.FirstOrDefault(l => l.IsRateLimit) is { } rateLimit)
        {
            writer.WritePropertyName("rate_limit");
            WriteLimit(writer, rateLimit);
        }

        var limits = rule.Limits.Where(l => !l.IsRateLimit).ToList();
        if (limits.Count > 0)
        {
            writer.WriteStartArray("limits");
            foreach (var limit in limits)
            {
                WriteLimit(writer, limit);
            }

            writer.WriteEndArray();
        }

        if (rule.HoldsCalls)
        {
            WriteApproval(writer, rule);
        }

        if (rule.ValidateArgs)
        {
            writer.WritePropertyName("validate_args");
            if (rule.ValidateArgsSchema.Trim().Length == 0)
            {
                writer.WriteBooleanValue(true);
            }
            else
            {
                WriteTyped(writer, rule.ValidateArgsSchema.Trim(), "");
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteApproval(Utf8JsonWriter writer, ToolDraft rule)
    {
        writer.WriteStartObject("approval");
        WriteConditions(writer, "when", rule.Conditions.Where(c => c.Kind == ConditionKind.ApprovalWhen));
        if (rule.ApprovalTimeout.Trim().Length > 0)
        {
            WriteDuration(writer, "timeout", rule.ApprovalTimeout);
        }

        if (rule.ApprovalOnTimeout != "deny")
        {
            writer.WriteString("on_timeout", rule.ApprovalOnTimeout);
        }

        if (rule.ApprovalRemember.Trim().Length > 0)
        {
            WriteDuration(writer, "remember", rule.ApprovalRemember);
        }

        if (rule.ApprovalWebhook is { } webhook)
        {
            writer.WritePropertyName("webhook");
            writer.WriteRawValue(webhook);
        }

        writer.WriteEndObject();
    }

    private static void WriteLimit(Utf8JsonWriter writer, LimitDraft limit)
    {
        writer.WriteStartObject();
        if (!limit.IsRateLimit || limit.Counter.Trim().Length > 0)
        {
            writer.WriteString("counter", limit.Counter.Trim());
        }

        WriteDuration(writer, "window", limit.Window);
        writer.WritePropertyName("max");
        WriteInteger(writer, limit.Max);
        writer.WriteString("scope", limit.Scope);
        if (limit.Algorithm != "fixed")
        {
            writer.WriteString("algorithm", limit.Algorithm);
        }

        if (!limit.IsRateLimit && limit.IncrementFrom.Trim().Length > 0)
        {
            writer.WriteString("increment_from", limit.IncrementFrom.Trim());
        }

        writer.WriteEndObject();
    }

    private static void WriteConditions(Utf8JsonWriter writer, string key, IEnumerable<ConditionDraft> conditions)
    {
        var list = conditions.ToList();
        if (list.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(key);
        foreach (var condition in list)
        {
            WriteCondition(writer, condition);
        }

        writer.WriteEndArray();
    }

    private static void WriteDenyIf(Utf8JsonWriter writer, IEnumerable<ConditionDraft> conditions)
    {
        var blocks = conditions.GroupBy(c => c.Block).ToList();
        if (blocks.Count == 0)
        {
            return;
        }

        writer.WriteStartArray("deny_if");
        foreach (var block in blocks)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("conditions");
            foreach (var condition in block)
            {
                WriteCondition(writer, condition);
            }

            writer.WriteEndArray();
            if (block.Select(c => c.Reason.Trim()).FirstOrDefault(r => r.Length > 0) is { } reason)
            {
                writer.WriteString("on_deny", reason);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteCondition(Utf8JsonWriter writer, ConditionDraft condition)
    {
        writer.WriteStartObject();
        writer.WriteString("path", condition.Path.Trim());
        writer.WriteString("op", condition.Op);
        if (condition.Op is not ("exists" or "not_exists"))
        {
            writer.WritePropertyName("value");
            if (ConditionValues.TakesList(condition.Op))
            {
                WriteList(writer, condition.Value, condition.ValueType, oneAsScalar: condition.Op is "path_under" or "path_not_under");
            }
            else
            {
                WriteTyped(writer, condition.Value, ConditionValues.ScalarTypeFor(condition.Op, condition.ValueType));
            }
        }

        writer.WriteEndObject();
    }

    /// <param name="oneAsScalar">Whether one value is written alone rather than as a list of one (a single root of <c>path_under</c>).</param>
    private static void WriteList(Utf8JsonWriter writer, string text, string type, bool oneAsScalar)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('[') && ConditionValues.IsJson(trimmed))
        {
            writer.WriteRawValue(trimmed);
            return;
        }

        var items = trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (oneAsScalar && items.Length == 1)
        {
            WriteTyped(writer, items[0], type);
            return;
        }

        writer.WriteStartArray();
        foreach (var item in items)
        {
            WriteTyped(writer, item, type);
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// A value typed by the argument's schema type: a string argument's value is always a string; a
    /// number's or boolean's is written as such when it reads as one; with no known type, text that is
    /// JSON is written as that JSON, anything else as a string.
    /// </summary>
    private static void WriteTyped(Utf8JsonWriter writer, string text, string type)
    {
        // Text is kept as typed (a string argument may hold spaces); only what is read as a number, boolean or JSON is trimmed.
        var trimmed = text.Trim();
        switch (type)
        {
            case "string":
                writer.WriteStringValue(text);
                return;
            case "integer" or "number" when decimal.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && ConditionValues.IsJson(trimmed):
                writer.WriteRawValue(trimmed);
                return;
            case "boolean" when trimmed is "true" or "false":
                writer.WriteBooleanValue(trimmed == "true");
                return;
            case "":
                if (trimmed.Length > 0 && ConditionValues.IsJson(trimmed))
                {
                    writer.WriteRawValue(trimmed);
                    return;
                }

                break;
        }

        writer.WriteStringValue(text);
    }

    private static void WriteInteger(Utf8JsonWriter writer, string text)
    {
        var trimmed = text.Trim();
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(trimmed);
        }
    }

    /// <summary>A duration: whole seconds as a number, anything else (<c>minute</c>, <c>10m</c>) as the string typed.</summary>
    private static void WriteDuration(Utf8JsonWriter writer, string key, string text)
    {
        writer.WritePropertyName(key);
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit) && long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            writer.WriteNumberValue(seconds);
        }
        else
        {
            writer.WriteStringValue(trimmed);
        }
    }
}
