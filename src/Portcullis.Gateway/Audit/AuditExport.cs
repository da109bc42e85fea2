using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// Writes the audit records a query selects, for <c>portcullis audit export</c> and the admin UI's
/// downloads: JSON Lines in chain order (each chain by seq, verifiable with <c>audit verify --file</c>),
/// streamed record by record; CSV by time, which a spreadsheet reads as a timeline, so its rows are
/// gathered and sorted first.
/// </summary>
internal static class AuditExport
{
    /// <summary>Writes every record <paramref name="query"/> matches as one canonical JSON line each; returns how many.</summary>
    public static async Task<long> WriteJsonlAsync(IAuditStore store, AuditQuery query, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(writer);
        long count = 0;
        await foreach (var stored in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (query.Matches(stored.Record))
            {
                await writer.WriteLineAsync(AuditCanonicalForm.Serialize(stored.Record)).ConfigureAwait(false);
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// The records <paramref name="query"/> matches in the CSV's order (time, then chain and seq);
    /// null as soon as more than <paramref name="limit"/> match (no limit when it is null).
    /// </summary>
    public static async Task<IReadOnlyList<AuditRecord>?> ReadCsvRowsAsync(IAuditStore store, AuditQuery query, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        var rows = new List<AuditRecord>();
        await foreach (var stored in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!query.Matches(stored.Record))
            {
                continue;
            }

            if (rows.Count == limit)
            {
                return null;
            }

            rows.Add(stored.Record);
        }

        return [.. rows.OrderBy(r => r.Time).ThenBy(r => r.Chain, StringComparer.Ordinal).ThenBy(r => r.Seq)];
    }

    /// <summary>Writes the header and one line per row.</summary>
    public static async Task WriteCsvAsync(IEnumerable<AuditRecord> rows, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writer);
        await writer.WriteLineAsync(AuditCsv.Header).ConfigureAwait(false);
        foreach (var record in rows)
        {
            await writer.WriteLineAsync(AuditCsv.Line(record)).ConfigureAwait(false);
        }
    }
}
