using System.Collections.Immutable;

namespace Portcullis.Policy.Documents;

/// <summary>The rules for one tool (or for all tools). An empty rule allows the tool.</summary>
public sealed record ToolRule
{
    /// <summary>The short form: allow, deny or require approval; null when not written.</summary>
    public ToolAction? Action { get; init; }

    /// <summary>The reason given with <see cref="ToolAction.Deny"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>Conditions that must all hold, else the call is denied.</summary>
    public ImmutableArray<ConditionSpec> Require { get; init; } = [];

    /// <summary>Blocks whose conditions all hold deny the call.</summary>
    public ImmutableArray<DenyIfRule> DenyIf { get; init; } = [];

    /// <summary>The brief's <c>rate_limit: {max, window}</c> form.</summary>
    public LimitRule? RateLimit { get; init; }

    /// <summary>Counters reserved for each call.</summary>
    public ImmutableArray<LimitRule> Limits { get; init; } = [];

    /// <summary>Whether the call's arguments are checked against the tool's input schema (and the operator's own).</summary>
    public ArgumentValidationRule? ValidateArgs { get; init; }

    /// <summary>When calls are held for a person to decide.</summary>
    public ApprovalRule? Approval { get; init; }
}
