using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Parsing;

namespace Portcullis.Policy.Differences;

/// <summary>
/// Compares two policies by what they decide, not by their text: key order, formatting, YAML
/// against JSON, <c>rate_limit</c> against the limit it stands for and a window written as
/// <c>minute</c> or <c>60</c> make no difference; every change to which calls are hidden, denied,
/// limited, held or checked does.
/// </summary>
public static class PolicyDiffer
{
    /// <summary>How <paramref name="after"/> decides differently from <paramref name="before"/>.</summary>
    public static PolicyDiff Compare(PolicyDocument before, PolicyDocument after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<PolicyChange>();
        void Add(string subject, string kind, string detail) => changes.Add(new PolicyChange(subject, kind, detail));

        const string Policy = PolicyDiff.PolicySubject;
        if (before.Default != after.Default)
        {
            Add(Policy, PolicyChangeKinds.Default, $"default: {Name(before.Default)} → {Name(after.Default)}");
        }

        if (before.Mode != after.Mode)
        {
            Add(Policy, PolicyChangeKinds.Mode, after.Mode == PolicyMode.Shadow
                ? "mode: enforce → shadow (decisions are recorded, no call is blocked)"
                : "mode: shadow → enforce (decisions now block calls)");
        }

        if (before.AuditArgs != after.AuditArgs)
        {
            Add(Policy, PolicyChangeKinds.AuditArgs, $"audit_args: {Name(before.AuditArgs)} → {Name(after.AuditArgs)}");
        }

        foreach (var entry in after.Hide.Except(before.Hide, StringComparer.Ordinal))
        {
            Add(Policy, PolicyChangeKinds.HideAdded, $"hide: added \"{entry}\"");
        }

        foreach (var entry in before.Hide.Except(after.Hide, StringComparer.Ordinal))
        {
            Add(Policy, PolicyChangeKinds.HideRemoved, $"hide: removed \"{entry}\"");
        }

        var (beforeView, afterView) = (new PolicyView(before), new PolicyView(after));
        CompareRules(changes, PolicyDiff.AllToolsSubject, before.AllTools ?? s_empty, after.AllTools ?? s_empty, null);
        CompareStatus(changes, PolicyDiff.UnlistedSubject, beforeView.UnlistedStatus, afterView.UnlistedStatus);

        foreach (var tool in before.Tools.Keys.Union(after.Tools.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var (was, now) = (beforeView.StatusOf(tool), afterView.StatusOf(tool));
            CompareStatus(changes, tool, was, now);
            if (now.Kind == StatusKind.Open)
            {
                // What the tool's own rule now checks, against what it checked when it was open (or nothing, when it was not).
                var oldRule = was.Kind == StatusKind.Open ? before.Tools.GetValueOrDefault(tool) ?? s_empty : s_empty;
                CompareRules(changes, tool, oldRule, after.Tools.GetValueOrDefault(tool) ?? s_empty, tool);
            }
        }

        return new PolicyDiff([.. changes]);
    }

    private static readonly ToolRule s_empty = new();

    private static void CompareStatus(List<PolicyChange> changes, string subject, Status was, Status now)
    {
        void Add(string kind, string detail) => changes.Add(new PolicyChange(subject, kind, detail));
        if (was.Kind == StatusKind.Hidden && now.Kind != StatusKind.Hidden)
        {
            Add(PolicyChangeKinds.NoLongerHidden, $"no longer hidden: {now.Text}");
        }
        else if (was.Kind != StatusKind.Hidden && now.Kind == StatusKind.Hidden)
        {
            Add(PolicyChangeKinds.NewlyHidden, $"newly hidden ({now.Text}); was {was.Text}");
        }
        else if (was.Kind == StatusKind.Denied && now.Kind == StatusKind.Open)
        {
            Add(PolicyChangeKinds.NewlyAllowed, $"newly allowed: was {was.Text}");
        }
        else if (was.Kind == StatusKind.Open && now.Kind == StatusKind.Denied)
        {
            Add(PolicyChangeKinds.NewlyDenied, $"newly denied: {now.Text}");
        }
        else if (was.Kind == StatusKind.Denied && now.Kind == StatusKind.Denied && was.Text != now.Text)
        {
            Add(PolicyChangeKinds.ReasonChanged, $"still denied: was {was.Text}; now {now.Text}");
        }
    }

    private static void CompareRules(List<PolicyChange> changes, string subject, ToolRule before, ToolRule after, string? toolName)
    {
        void Add(string kind, string detail) => changes.Add(new PolicyChange(subject, kind, detail));

        if (subject == PolicyDiff.AllToolsSubject)
        {
            var (wasDenied, nowDenied) = (before.Action == ToolAction.Deny, after.Action == ToolAction.Deny);
            if (wasDenied != nowDenied)
            {
                Add(nowDenied ? PolicyChangeKinds.NewlyDenied : PolicyChangeKinds.NewlyAllowed,
                    nowDenied ? "action: deny — every call is denied" + (after.Reason is null ? "" : $" (\"{after.Reason}\")") : "action: deny removed — calls are no longer all denied");
            }
            else if (nowDenied && before.Reason != after.Reason)
            {
                Add(PolicyChangeKinds.ReasonChanged, $"reason: {Quoted(before.Reason, "(none)")} → {Quoted(after.Reason, "(none)")}");
            }
        }

        var (oldApproval, newApproval) = (ApprovalText(before), ApprovalText(after));
        if (oldApproval is null && newApproval is not null)
        {
            Add(PolicyChangeKinds.ApprovalAdded, $"approval added: {newApproval}");
        }
        else if (oldApproval is not null && newApproval is null)
        {
            Add(PolicyChangeKinds.ApprovalRemoved, $"approval removed: was {oldApproval}");
        }
        else if (oldApproval != newApproval)
        {
            Add(PolicyChangeKinds.ApprovalChanged, $"approval: {oldApproval} → {newApproval}");
        }

        var (oldLimits, newLimits) = (Limits(before, toolName), Limits(after, toolName));
        foreach (var (key, limit) in newLimits)
        {
            if (!oldLimits.TryGetValue(key, out var old))
            {
                Add(PolicyChangeKinds.LimitAdded, $"limit added: {limit}");
            }
            else if (old != limit)
            {
                Add(PolicyChangeKinds.LimitChanged, $"limit changed: {old} → {limit}");
            }
        }

        foreach (var (key, limit) in oldLimits)
        {
            if (!newLimits.ContainsKey(key))
            {
                Add(PolicyChangeKinds.LimitRemoved, $"limit removed: {limit}");
            }
        }

        var (oldRequire, newRequire) = (before.Require.Select(Text).ToList(), after.Require.Select(Text).ToList());
        foreach (var condition in Except(newRequire, oldRequire))
        {
            Add(PolicyChangeKinds.ConditionsChanged, $"require added: {condition}");
        }

        foreach (var condition in Except(oldRequire, newRequire))
        {
            Add(PolicyChangeKinds.ConditionsChanged, $"require removed: {condition}");
        }

        var oldBlocks = before.DenyIf.Select(b => (Conditions: Text(b.Conditions), b.OnDeny)).ToList();
        var newBlocks = after.DenyIf.Select(b => (Conditions: Text(b.Conditions), b.OnDeny)).ToList();
        foreach (var block in Except(newBlocks.Select(b => b.Conditions).ToList(), oldBlocks.Select(b => b.Conditions).ToList()))
        {
            Add(PolicyChangeKinds.ConditionsChanged, $"deny_if added: {block}");
        }

        foreach (var block in Except(oldBlocks.Select(b => b.Conditions).ToList(), newBlocks.Select(b => b.Conditions).ToList()))
        {
            Add(PolicyChangeKinds.ConditionsChanged, $"deny_if removed: {block}");
        }

        // Blocks are tried in order, so of blocks with the same conditions the first gives the reason;
        // a later one never decides, and its on_deny is no change in what an agent is told.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var block in newBlocks.Where(b => seen.Add(b.Conditions)))
        {
            if (oldBlocks.FirstOrDefault(b => b.Conditions == block.Conditions) is { Conditions: not null } old && old.OnDeny != block.OnDeny)
            {
                Add(PolicyChangeKinds.ReasonChanged, $"deny_if {block.Conditions}: on_deny {Quoted(old.OnDeny, "(none)")} → {Quoted(block.OnDeny, "(none)")}");
            }
        }

        var (oldValidation, newValidation) = (ValidationText(before.ValidateArgs), ValidationText(after.ValidateArgs));
        if (oldValidation != newValidation)
        {
            Add(PolicyChangeKinds.ValidateArgsChanged, $"validate_args: {oldValidation} → {newValidation}");
        }
    }

    /// <summary>The items of <paramref name="items"/> left after taking out one match in <paramref name="removed"/> for each (a multiset difference).</summary>
    private static List<string> Except(List<string> items, List<string> removed)
    {
        var left = new List<string>(removed);
        var result = new List<string>();
        foreach (var item in items)
        {
            if (!left.Remove(item))
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static string? ApprovalText(ToolRule rule)
    {
        ApprovalRule? approval = rule.Approval;
        string when;
        if (rule.Action == ToolAction.RequireApproval)
        {
            when = "every call (action: require_approval)";
        }
        else if (approval is null)
        {
            return null;
        }
        else
        {
            when = approval.When.IsEmpty ? "every call" : "when " + Text(approval.When);
        }

        approval ??= new ApprovalRule();
        var text = $"{when}, timeout {Durations.Format((long)approval.Timeout.TotalSeconds)} then {Name(approval.OnTimeout)}";
        if (approval.Remember is { } remember)
        {
            text += $", remembered for {Durations.Format((long)remember.TotalSeconds)}";
        }

        if (approval.Webhook is { } webhook)
        {
            text += $", webhook {webhook.Url}" + (webhook.AllowPrivate ? " (allow_private)" : "") + (webhook.Secret.StartsWith("env:", StringComparison.Ordinal) ? $" signed with {webhook.Secret}" : "");
        }

        return text;
    }

    /// <summary>The rule's limits by counter name (and occurrence, for a name used twice), described.</summary>
    private static Dictionary<string, string> Limits(ToolRule rule, string? toolName)
    {
        var all = rule.RateLimit is { } rateLimit ? rule.Limits.Prepend(rateLimit) : rule.Limits;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var limit in all)
        {
            var key = limit.Counter;
            for (var n = 2; result.ContainsKey(key); n++)
            {
                key = $"{limit.Counter}#{n}";
            }

            var units = limit.IncrementFrom is null ? "calls" : $"units of {limit.IncrementFrom}";
            var per = limit.Algorithm == LimitAlgorithm.Sliding ? "in any" : "per";
            result[key] = $"'{limit.Counter}' at most {limit.Max.ToString(CultureInfo.InvariantCulture)} {units} {per} {Durations.WindowName(limit.WindowSeconds)} per {Name(limit.Scope)}";
        }

        return result;
    }

    private static string ValidationText(ArgumentValidationRule? rule) => rule switch
    {
        null or { Enabled: false } => "off",
        { Schema: null } => "the server's input schema",
        { Schema: { } schema } => $"the server's input schema and {schema}",
    };

    private static string Text(ConditionSpec condition) =>
        $"{condition.Path} {ConditionOperatorNames.NameOf(condition.Op)}" + (condition.Value is { } value ? " " + value.GetRawText() : "");

    private static string Text(ImmutableArray<ConditionSpec> conditions) => string.Join(" and ", conditions.Select(Text));

    private static string Quoted(string? text, string none) => text is null ? none : $"\"{text}\"";

    private static string Name<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private enum StatusKind
    {
        Hidden,
        Denied,
        Open,
    }

    /// <summary>Whether a tool's calls are hidden, denied outright, or go on to its checks; with the reason in words.</summary>
    private readonly record struct Status(StatusKind Kind, string Text);

    /// <summary>A document's answers to "is this tool hidden or denied outright".</summary>
    private sealed class PolicyView(PolicyDocument document)
    {
        private readonly Regex[] _hidden = [.. document.Hide.Select(h => Glob.HasWildcards(h) ? Glob.ToRegex(h) : new Regex("^" + Regex.Escape(h) + "$", RegexOptions.CultureInvariant))];

        public Status UnlistedStatus => document.Default == DefaultAction.Deny
            ? new Status(StatusKind.Denied, "denied: no rule under default deny")
            : AllToolsDenial() ?? new Status(StatusKind.Open, "allowed by default: allow");

        public Status StatusOf(string tool)
        {
            if (_hidden.FirstOrDefault(r => r.IsMatch(tool)) is { } match)
            {
                return new Status(StatusKind.Hidden, $"hidden by \"{document.Hide[Array.IndexOf(_hidden, match)]}\"");
            }

            if (!document.Tools.TryGetValue(tool, out var rule))
            {
                return UnlistedStatus;
            }

            if (AllToolsDenial() is { } denied)
            {
                return denied;
            }

            return rule.Action == ToolAction.Deny
                ? new Status(StatusKind.Denied, "denied by action: deny" + (rule.Reason is null ? "" : $" (\"{rule.Reason}\")"))
                : new Status(StatusKind.Open, "allowed, subject to its checks");
        }

        private Status? AllToolsDenial() => document.AllTools is { Action: ToolAction.Deny } allTools
            ? new Status(StatusKind.Denied, "denied by all_tools action: deny" + (allTools.Reason is null ? "" : $" (\"{allTools.Reason}\")"))
            : null;
    }
}
