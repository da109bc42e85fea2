namespace Portcullis.Web.Builder;

/// <summary>
/// A policy as the builder edits it: plain, mutable fields bound to form controls, holding what
/// the operator typed (a maximum that is not a number stays as typed, so the policy parser can name
/// the problem). <see cref="PolicyDraftWriter"/> turns it into policy JSON, which is then checked by
/// the same parser as <c>portcullis policy check</c>.
/// </summary>
public sealed class PolicyDraft
{
    /// <summary><c>allow</c> or <c>deny</c>: what happens to tools without a rule.</summary>
    public string Default { get; set; } = "deny";

    /// <summary><c>enforce</c> or <c>shadow</c>.</summary>
    public string Mode { get; set; } = "enforce";

    /// <summary><c>keys</c>, <c>redacted</c> or <c>full</c>.</summary>
    public string AuditArgs { get; set; } = "keys";

    /// <summary>Hide entries that are not a single tool's rule: globs, or names of tools without one; one per line.</summary>
    public string HidePatterns { get; set; } = "";

    /// <summary>The <c>all_tools</c> rule, applied to every call; null when the policy has none.</summary>
    public ToolDraft? AllTools { get; set; }

    /// <summary>One rule per tool, in the order the operator sees them.</summary>
    public List<ToolDraft> Tools { get; } = [];

    /// <summary>The rule for <paramref name="name"/>, or null when the tool has none.</summary>
    public ToolDraft? RuleFor(string name) => Tools.Find(t => t.Name == name);
}

/// <summary>What a tool's rule does with a call.</summary>
public enum DraftAction
{
    /// <summary>The call goes on to the rule's limits and conditions.</summary>
    Allow,

    /// <summary>Every call is denied with the rule's reason.</summary>
    Deny,

    /// <summary>Every call is held for a person.</summary>
    RequireApproval,

    /// <summary>The tool is left out of <c>tools/list</c> and denied if called anyway.</summary>
    Hide,
}

/// <summary>The rules for one tool, or for all tools.</summary>
public sealed class ToolDraft
{
    /// <summary>The tool's exact name; empty for <c>all_tools</c>.</summary>
    public string Name { get; set; } = "";

    public DraftAction Action { get; set; } = DraftAction.Allow;

    /// <summary>The reason given with a denial or shown to approvers.</summary>
    public string Reason { get; set; } = "";

    public List<LimitDraft> Limits { get; } = [];

    public List<ConditionDraft> Conditions { get; } = [];

    /// <summary>Whether calls are checked against the tool's input schema.</summary>
    public bool ValidateArgs { get; set; }

    /// <summary>The operator's own JSON Schema checked on top of the tool's; empty for none.</summary>
    public string ValidateArgsSchema { get; set; } = "";

    /// <summary>How long a held call waits, e.g. <c>10m</c>; empty for the default.</summary>
    public string ApprovalTimeout { get; set; } = "";

    /// <summary><c>deny</c> or <c>allow</c> when nobody decides in time.</summary>
    public string ApprovalOnTimeout { get; set; } = "deny";

    /// <summary>How long an approval lets identical calls through, e.g. <c>1h</c>; empty asks every time.</summary>
    public string ApprovalRemember { get; set; } = "";

    /// <summary>The approval webhook as compact JSON, kept as loaded (the builder does not edit it); null when there is none.</summary>
    public string? ApprovalWebhook { get; set; }

    /// <summary>Whether the rule holds some or all calls for approval, so the approval settings apply.</summary>
    public bool HoldsCalls => Action == DraftAction.RequireApproval || Conditions.Exists(c => c.Kind == ConditionKind.ApprovalWhen);
}

/// <summary>A counter the rule reserves for each call.</summary>
public sealed class LimitDraft
{
    public string Counter { get; set; } = "";

    /// <summary>The most calls per window, as typed.</summary>
    public string Max { get; set; } = "";

    /// <summary>The window: <c>minute</c>, <c>hour</c>, <c>day</c>, <c>second</c>, a duration such as <c>10m</c>, or seconds.</summary>
    public string Window { get; set; } = "minute";

    /// <summary><c>grant</c>, <c>session</c>, <c>server</c> or <c>global</c>.</summary>
    public string Scope { get; set; } = "grant";

    /// <summary><c>fixed</c> or <c>sliding</c>.</summary>
    public string Algorithm { get; set; } = "fixed";

    /// <summary>An argument path whose number is counted instead of 1; empty counts calls.</summary>
    public string IncrementFrom { get; set; } = "";

    /// <summary>Written in the brief's <c>rate_limit</c> form (one per rule, scoped per session by default) rather than under <c>limits</c>.</summary>
    public bool IsRateLimit { get; set; }
}

/// <summary>Where a condition sits in a rule.</summary>
public enum ConditionKind
{
    /// <summary><c>require</c>: the call is denied unless it holds.</summary>
    Require,

    /// <summary><c>deny_if</c>: the call is denied when it holds (with the others of its block).</summary>
    DenyIf,

    /// <summary><c>approval.when</c>: the call is held for a person when it holds.</summary>
    ApprovalWhen,
}

/// <summary>One condition: a path, an operator and a value.</summary>
public sealed class ConditionDraft
{
    public ConditionKind Kind { get; set; } = ConditionKind.Require;

    /// <summary>What to test, e.g. <c>args.language</c>.</summary>
    public string Path { get; set; } = "";

    /// <summary>The operator's name, e.g. <c>eq</c>.</summary>
    public string Op { get; set; } = "eq";

    /// <summary>The value as typed; a list operator takes values separated by commas, or a JSON array.</summary>
    public string Value { get; set; } = "";

    /// <summary>The JSON Schema type of the argument at <see cref="Path"/> (<c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>), empty when unknown; it decides how the value is written.</summary>
    public string ValueType { get; set; } = "";

    /// <summary>The reason a <c>deny_if</c> block gives (the first condition of a block carries it).</summary>
    public string Reason { get; set; } = "";

    /// <summary><c>deny_if</c> conditions with the same block deny together (all must hold); a new condition starts a block of its own.</summary>
    public int Block { get; set; }
}
