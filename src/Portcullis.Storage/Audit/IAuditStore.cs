namespace Portcullis.Storage.Audit;

/// <summary>Where audit records are written. Writing a record that is already there (same chain and seq) changes nothing.</summary>
public interface IAuditSink
{
    /// <summary>A short name for logs and spill files, e.g. <c>sqlite</c>, <c>jsonl</c>.</summary>
    string Name { get; }

    /// <summary>Writes a batch durably before returning; throws <see cref="StoreUnavailableException"/> when it cannot.</summary>
    ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default);
}

/// <summary>An audit sink that can also be queried, read back whole for verification, and trimmed.</summary>
public interface IAuditStore : IAuditSink
{
    /// <summary>Records matching <paramref name="query"/>, newest first.</summary>
    ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every record, by chain and sequence, with any disagreement between the store's columns and the record.</summary>
    IAsyncEnumerable<StoredAuditRecord> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes, per chain, the records before the newest checkpoint older than <paramref name="cutoff"/>,
    /// keeping that checkpoint so the rest of the chain stays verifiable. Returns how many were deleted.
    /// </summary>
    ValueTask<long> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>Filters for reading the audit log; every set filter must match.</summary>
public sealed record AuditQuery
{
    /// <summary>Records at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Records before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The grant.</summary>
    public string? Grant { get; init; }

    /// <summary>The server.</summary>
    public string? Server { get; init; }

    /// <summary>The tool.</summary>
    public string? Tool { get; init; }

    /// <summary>The decision (<see cref="AuditDecisions"/>).</summary>
    public string? Decision { get; init; }

    /// <summary>The kind (<see cref="AuditKinds"/>).</summary>
    public string? Kind { get; init; }

    /// <summary>At most this many records.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Whether <paramref name="record"/> matches every set filter.</summary>
    public bool Matches(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (Since is null || record.Time >= Since) && (Until is null || record.Time < Until)
            && (Grant is null || record.Grant == Grant) && (Server is null || record.Server == Server)
            && (Tool is null || record.Tool == Tool) && (Decision is null || record.Decision == Decision)
            && (Kind is null || record.Kind == Kind);
    }
}
