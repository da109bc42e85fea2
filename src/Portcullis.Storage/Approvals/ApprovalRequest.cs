namespace Portcullis.Storage.Approvals;

/// <summary>A call held for a person's decision, as kept in the store so any instance can decide it.</summary>
public sealed record ApprovalRequest
{
    /// <summary>The approval's id (<c>apr_…</c>, 128 random bits).</summary>
    public required string Id { get; init; }

    /// <summary>The grant that made the call.</summary>
    public required string Grant { get; init; }

    /// <summary>The upstream server.</summary>
    public required string Server { get; init; }

    /// <summary>The tool.</summary>
    public required string Tool { get; init; }

    /// <summary>The arguments as the policy's <c>audit_args</c> allows (names, redacted or full JSON).</summary>
    public string? Arguments { get; init; }

    /// <summary>SHA-256 of the full arguments, to recognise identical calls for <c>remember</c>; never shown.</summary>
    public required string ArgumentsHash { get; init; }

    /// <summary>The rule that asks for approval.</summary>
    public required string RuleId { get; init; }

    /// <summary>Why approval is needed.</summary>
    public required string Reason { get; init; }

    /// <summary>When the call was held.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>When it times out.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Where it stands (<see cref="ApprovalStatus"/>).</summary>
    public string Status { get; init; } = ApprovalStatus.Pending;

    /// <summary>Who decided (an admin's name, <c>cli:user@host</c>), when someone did.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>Their comment.</summary>
    public string? Comment { get; init; }

    /// <summary>When it was decided, timed out or withdrawn.</summary>
    public DateTimeOffset? DecidedAt { get; init; }
}

/// <summary>Where an approval stands.</summary>
public static class ApprovalStatus
{
    /// <summary>Waiting for a person.</summary>
    public const string Pending = "pending";

    /// <summary>Approved: the call goes ahead.</summary>
    public const string Approved = "approved";

    /// <summary>Denied by a person.</summary>
    public const string Denied = "denied";

    /// <summary>Nobody decided in time.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The client gave up (cancelled or disconnected).</summary>
    public const string Withdrawn = "withdrawn";
}
