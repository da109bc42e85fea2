namespace Portcullis.Storage.Audit;

/// <summary>A record as read back from where it was kept, with any disagreement between its indexed columns and its content.</summary>
/// <param name="Record">The record.</param>
/// <param name="Mismatch">What the store's own columns say differently, or why the record could not be read; null when neither.</param>
/// <param name="Location">Where it was read (a line number, a row), for reports.</param>
public sealed record StoredAuditRecord(AuditRecord Record, string? Mismatch, string Location)
{
    /// <summary>Whether the line or row is not an audit record at all (<see cref="Record"/> is a placeholder).</summary>
    public bool Unreadable { get; init; }

    /// <summary>
    /// Whether this is the unreadable last line of the newest JSONL file: what a write cut short by
    /// a crash leaves, reported apart from tampering.
    /// </summary>
    public bool TornTail { get; init; }
}
