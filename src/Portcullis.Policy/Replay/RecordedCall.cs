using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Replay;

/// <summary>What the audit log kept of one decided call, as far as a policy can use it.</summary>
public sealed record RecordedCall
{
    /// <summary>The gateway's id for the request.</summary>
    public string? RequestId { get; init; }

    /// <summary>When it was decided.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The upstream server.</summary>
    public required string ServerId { get; init; }

    /// <summary>The tool called.</summary>
    public required string Tool { get; init; }

    /// <summary>The grant's name.</summary>
    public required string GrantName { get; init; }

    /// <summary>The grant's labels as they are now; null when the grant no longer exists, so they are unknown.</summary>
    public IReadOnlyDictionary<string, string>? GrantLabels { get; init; }

    /// <summary>The gateway session.</summary>
    public string? Session { get; init; }

    /// <summary>The argument values as recorded (<c>audit_args: full</c> or <c>redacted</c>); null when only their names were kept.</summary>
    public JsonElement? Arguments { get; init; }

    /// <summary>Whether some recorded value was masked (<c>audit_args: redacted</c>), so the arguments are not the ones sent.</summary>
    public bool ArgumentsRedacted { get; init; }

    /// <summary>What the policy decided then (in shadow mode: what it would have decided).</summary>
    public required PolicyOutcome Outcome { get; init; }

    /// <summary>The rule that decided then.</summary>
    public string? RuleId { get; init; }

    /// <summary>What the audit log says happened, e.g. <c>allow</c>, <c>shadow_deny</c>.</summary>
    public required string RecordedDecision { get; init; }
}
