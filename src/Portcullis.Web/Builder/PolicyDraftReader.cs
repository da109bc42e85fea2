using System.Globalization;
using System.Text.Json;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Parsing;

namespace Portcullis.Web.Builder;

/// <summary>Turns a parsed policy into a <see cref="PolicyDraft"/> the builder can edit.</summary>
internal static class PolicyDraftReader
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>
    /// The draft of <paramref name="document"/>. <paramref name="argumentType"/> tells the JSON Schema
    /// type of a tool's argument path (empty when unknown), so each value box shows its value typed.
    /// </summary>
    public static PolicyDraft Read(PolicyDocument document, Func<string, string, string> argumentType)
    {
        ArgumentNullException.ThrowIfNull(document);
        var draft = new PolicyDraft
        {
            Default = document.Default == DefaultAction.Allow ? "allow" : "deny",
            Mode = document.Mode == PolicyMode.Shadow ? "shadow" : "enforce",
            AuditArgs = document.AuditArgs switch
            {
                AuditArguments.Full => "full",
                AuditArguments.Redacted => "redacted",
                _ => "keys",
            },
            AllTools = document.AllTools is { } allTools ? Rule("", allTools, argumentType) : null,
        };
        foreach (var (name, rule) in document.Tools)
        {
            draft.Tools.Add(Rule(name, rule, argumentType));
        }

        // A hide entry naming one tool becomes that tool's action; globs stay patterns.
        var patterns = new List<string>();
        foreach (var hide in document.Hide)
        {
            if (hide.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                patterns.Add(hide);
            }
            else if (draft.RuleFor(hide) is { } rule)
            {
                rule.Action = DraftAction.Hide;
            }
            else
            {
                draft.Tools.Add(new ToolDraft { Name = hide, Action = DraftAction.Hide });
            }
        }

        draft.HidePatterns = string.Join('\n', patterns);
        return draft;
    }

    private static ToolDraft Rule(string name, ToolRule rule, Func<string, string, string> argumentType)
    {
        var draft = new ToolDraft
        {
            Name = name,
            Action = rule.Action switch
            {
                ToolAction.Deny => DraftAction.Deny,
                ToolAction.RequireApproval => DraftAction.RequireApproval,
                _ => DraftAction.Allow,
            },
            Reason = rule.Reason ?? "",
            ValidateArgs = rule.ValidateArgs is { Enabled: true },
            ValidateArgsSchema = rule.ValidateArgs?.Schema is { } schema ? Indented(schema) : "",
        };
        draft.Conditions.AddRange(rule.Require.Select(c => Condition(name, c, ConditionKind.Require, argumentType)));
        for (var block = 0; block < rule.DenyIf.Length; block++)
        {
            var denyIf = rule.DenyIf[block];
            foreach (var condition in denyIf.Conditions)
            {
                var row = Condition(name, condition, ConditionKind.DenyIf, argumentType);
                row.Block = block;
                row.Reason = denyIf.OnDeny ?? "";
                draft.Conditions.Add(row);
            }
        }

        if (rule.RateLimit is { } rateLimit)
        {
            var row = Limit(rateLimit);
            row.IsRateLimit = true;
            if (rateLimit.Counter == name + ".rate_limit")
            {
                row.Counter = "";
            }

            draft.Limits.Add(row);
        }

        draft.Limits.AddRange(rule.Limits.Select(Limit));
        if (rule.Approval is { } approval)
        {
            // An approval block without conditions holds every call: the builder says so with the action.
            if (approval.When.IsEmpty && draft.Action == DraftAction.Allow)
            {
                draft.Action = DraftAction.RequireApproval;
            }

            draft.Conditions.AddRange(approval.When.Select(c => Condition(name, c, ConditionKind.ApprovalWhen, argumentType)));
            draft.ApprovalTimeout = approval.Timeout == ApprovalRule.DefaultTimeout ? "" : Durations.Format((long)approval.Timeout.TotalSeconds);
            draft.ApprovalOnTimeout = approval.OnTimeout == TimeoutAction.Allow ? "allow" : "deny";
            draft.ApprovalRemember = approval.Remember is { } remember ? Durations.Format((long)remember.TotalSeconds) : "";
            draft.ApprovalWebhook = approval.Webhook is { } webhook
                ? JsonSerializer.Serialize(new Dictionary<string, object> { ["url"] = webhook.Url, ["secret"] = webhook.Secret, ["allow_private"] = webhook.AllowPrivate })
                : null;
        }

        return draft;
    }

    private static ConditionDraft Condition(string tool, ConditionSpec condition, ConditionKind kind, Func<string, string, string> argumentType)
    {
        var op = ConditionOperatorNames.NameOf(condition.Op);
        var (text, type) = ConditionValues.Show(condition.Value, op, argumentType(tool, condition.Path));
        return new ConditionDraft { Kind = kind, Path = condition.Path, Op = op, ValueType = type, Value = text };
    }

    private static LimitDraft Limit(LimitRule limit) => new()
    {
        Counter = limit.Counter,
        Max = limit.Max.ToString(CultureInfo.InvariantCulture),
        Window = Durations.WindowName(limit.WindowSeconds),
        Scope = limit.Scope.ToString().ToLowerInvariant(),
        Algorithm = limit.Algorithm == LimitAlgorithm.Sliding ? "sliding" : "fixed",
        IncrementFrom = limit.IncrementFrom ?? "",
    };

    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, s_indented);
    }
}
