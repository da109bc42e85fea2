namespace Portcullis.Storage.Audit;

/// <summary>The outcome of verifying an audit log.</summary>
public sealed record AuditVerification
{
    /// <summary>How many records were checked (up to the problem, when there is one).</summary>
    public long Records { get; init; }

    /// <summary>How many chains those records form.</summary>
    public int Chains => ChainSummaries.Count;

    /// <summary>How many checkpoints carried a valid signature.</summary>
    public long SignedCheckpoints { get; init; }

    /// <summary>Whether a key was given, so that every checkpoint's signature was checked.</summary>
    public bool SignaturesChecked { get; init; }

    /// <summary>The newest retention cutoff a retention checkpoint states (signed, when <see cref="SignaturesChecked"/>), or null.</summary>
    public DateTimeOffset? RetentionCutoff { get; init; }

    /// <summary>Each chain met, in the order first met.</summary>
    public IReadOnlyList<AuditChainSummary> ChainSummaries { get; init; } = [];

    /// <summary>Why the log failed, or null when it is intact.</summary>
    public AuditFailure? Failure { get; init; }

    /// <summary>The first problem found, starting with its stable word (e.g. <c>HASH_MISMATCH</c>) and naming the record; null when the log is intact.</summary>
    public string? Problem { get; init; }

    /// <summary>Where a torn last line was skipped (a write cut short, not tampering), or null.</summary>
    public string? TornTail { get; init; }

    /// <summary>Whether no problem was found (a torn tail is not one).</summary>
    public bool Intact => Problem is null;
}
