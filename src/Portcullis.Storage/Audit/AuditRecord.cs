namespace Portcullis.Storage.Audit;

/// <summary>
/// One audit record: a decision on a call (<see cref="AuditKinds.Call"/>), a change made by an
/// operator (<see cref="AuditKinds.Admin"/>) or a signed checkpoint of the chain
/// (<see cref="AuditKinds.Checkpoint"/>). Records of one writer form a hash chain: each carries
/// the SHA-256 of its canonical form and of the previous record's hash.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The chain (one per writer: a gateway process or one CLI command).</summary>
    public string Chain { get; init; } = "";

    /// <summary>Position in the chain, from 1, without gaps.</summary>
    public long Seq { get; init; }

    /// <summary>When it happened, in UTC, to the millisecond.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary><c>call</c>, <c>admin</c> or <c>checkpoint</c>.</summary>
    public string Kind { get; init; } = AuditKinds.Call;

    /// <summary>The gateway's id for the request.</summary>
    public string? RequestId { get; init; }

    /// <summary>The grant that made the call.</summary>
    public string? Grant { get; init; }

    /// <summary>The upstream server.</summary>
    public string? Server { get; init; }

    /// <summary>The gateway session.</summary>
    public string? Session { get; init; }

    /// <summary>The JSON-RPC method.</summary>
    public string? Method { get; init; }

    /// <summary>The tool called.</summary>
    public string? Tool { get; init; }

    /// <summary>The version of the server's policy that decided.</summary>
    public int? PolicyVersion { get; init; }

    /// <summary>What happened to the call (<see cref="AuditDecisions"/>).</summary>
    public string? Decision { get; init; }

    /// <summary>The rule that decided (a JSON Pointer into the policy).</summary>
    public string? RuleId { get; init; }

    /// <summary>Why.</summary>
    public string? Reason { get; init; }

    /// <summary>The upstream's HTTP status, when the call was forwarded.</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>Time spent waiting for the upstream, in microseconds.</summary>
    public long? UpstreamMicros { get; init; }

    /// <summary>Time from the request's arrival to the decision being recorded, in microseconds.</summary>
    public long? TotalMicros { get; init; }

    /// <summary>The call's arguments as the policy's <c>audit_args</c> allows: a JSON array of keys, or a (redacted) JSON object.</summary>
    public string? Arguments { get; init; }

    /// <summary>Who made an administrative change.</summary>
    public string? Actor { get; init; }

    /// <summary>What the change was, e.g. <c>policy.saved</c>, <c>grant.revoked</c>.</summary>
    public string? Action { get; init; }

    /// <summary>What it changed, e.g. <c>server:codex</c>, <c>grant:ci-agent</c>.</summary>
    public string? Target { get; init; }

    /// <summary>The state before (e.g. a policy version).</summary>
    public string? Before { get; init; }

    /// <summary>The state after.</summary>
    public string? After { get; init; }

    /// <summary>For a checkpoint: HMAC-SHA256 of its canonical form with the configured key, when one is set.</summary>
    public string? Mac { get; init; }

    /// <summary>
    /// For a checkpoint written by retention: the cutoff it deleted with (per chain, everything
    /// before the newest checkpoint older than this). Signed with the checkpoint, it is what lets a
    /// chain start at a checkpoint instead of seq 1.
    /// </summary>
    public DateTimeOffset? RetentionCutoff { get; init; }

    /// <summary>The previous record's hash (64 zeros for the first of a chain).</summary>
    public string PrevHash { get; init; } = "";

    /// <summary>SHA-256 over <see cref="PrevHash"/> and this record's canonical form (hex).</summary>
    public string Hash { get; init; } = "";
}

/// <summary>The kinds of audit record.</summary>
public static class AuditKinds
{
    /// <summary>A decision on a call.</summary>
    public const string Call = "call";

    /// <summary>An administrative change.</summary>
    public const string Admin = "admin";

    /// <summary>A checkpoint of the chain.</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>A request refused before any policy decision: no or a wrong credential, a forbidden Origin or Host, a malformed message, an unknown method.</summary>
    public const string Refusal = "refusal";
}

/// <summary>What happened to a call.</summary>
public static class AuditDecisions
{
    /// <summary>Allowed, forwarded and answered.</summary>
    public const string Allow = "allow";

    /// <summary>Denied by policy (including limits, hidden tools and an unavailable counter store).</summary>
    public const string Deny = "deny";

    /// <summary>A shadow-mode policy would have denied it; it was forwarded.</summary>
    public const string ShadowDeny = "shadow_deny";

    /// <summary>Forwarded without reserving its limit: the counter store was down and fail_mode is open.</summary>
    public const string FailOpenAllow = "fail_open_allow";

    /// <summary>Allowed, but the upstream failed or could not be reached.</summary>
    public const string UpstreamError = "upstream_error";

    /// <summary>Held for a person's approval; a second record tells how it ended.</summary>
    public const string ApprovalRequested = "approval_requested";
}
