using System.Runtime.CompilerServices;

namespace Portcullis.Storage.Audit;

/// <summary>Audit records in this process's memory: for <c>store: memory</c> and tests; lost on restart.</summary>
public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly SortedDictionary<(string Chain, long Seq), AuditRecord> _records = new();
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public string Name => "memory";

    /// <summary>How many records are kept.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_lock)
        {
            foreach (var record in records)
            {
                _records.TryAdd((record.Chain, record.Seq), record);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            IReadOnlyList<AuditRecord> found = [.. _records.Values.Where(query.Matches).OrderByDescending(r => r.Time).ThenByDescending(r => r.Seq).Take(query.Limit)];
            return ValueTask.FromResult(found);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredAuditRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<AuditRecord> all;
        lock (_lock)
        {
            all = [.. _records.Values];
        }

        foreach (var record in all)
        {
            await Task.Yield();
            yield return new StoredAuditRecord(record, null, "memory");
        }
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var cuts = _records.Values.Where(r => r.Kind == AuditKinds.Checkpoint && r.Time < cutoff)
                .GroupBy(r => r.Chain).ToDictionary(g => g.Key, g => g.Max(r => r.Seq), StringComparer.Ordinal);
            var doomed = _records.Keys.Where(k => cuts.TryGetValue(k.Chain, out var cut) && k.Seq < cut).ToList();
            foreach (var key in doomed)
            {
                _records.Remove(key);
            }

            return ValueTask.FromResult((long)doomed.Count);
        }
    }
}
