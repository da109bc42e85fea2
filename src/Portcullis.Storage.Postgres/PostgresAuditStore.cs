using System.Runtime.CompilerServices;
using Npgsql;
using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Postgres;

/// <summary>
/// Audit records in PostgreSQL, written by every gateway instance (each its own chain): the
/// canonical record plus indexed copies of the fields queries filter on. A batch is one
/// transaction; a record already there is left alone.
/// </summary>
public sealed class PostgresAuditStore(PostgresDatabase database) : IAuditStore
{
    /// <inheritdoc />
    public string Name => "postgres";

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        await PostgresDatabase.GuardAsync(async () =>
        {
            using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            foreach (var record in records)
            {
                var command = new NpgsqlBatchCommand("""
                    INSERT INTO audit (chain, seq, time, kind, grant_name, server_id, tool, decision, hash, record)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    ON CONFLICT (chain, seq) DO NOTHING
                    """);
                object?[] values = [record.Chain, record.Seq, record.Time.UtcDateTime, record.Kind, record.Grant, record.Server, record.Tool,
                    record.Decision, record.Hash, AuditCanonicalForm.Serialize(record)];
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
                }

                batch.BatchCommands.Add(command);
            }

            // A batch without an explicit transaction runs as one implicit transaction.
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return database.QueryAsync("""
            SELECT record FROM audit
            WHERE ($1::timestamptz IS NULL OR time >= $1) AND ($2::timestamptz IS NULL OR time < $2)
              AND ($3::text IS NULL OR grant_name = $3) AND ($4::text IS NULL OR server_id = $4)
              AND ($5::text IS NULL OR tool = $5) AND ($6::text IS NULL OR decision = $6) AND ($7::text IS NULL OR kind = $7)
            ORDER BY time DESC, seq DESC
            LIMIT $8
            """, [query.Since?.UtcDateTime, query.Until?.UtcDateTime, query.Grant, query.Server, query.Tool, query.Decision, query.Kind, query.Limit],
            reader => AuditCanonicalForm.Parse(reader.GetString(0)), cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredAuditRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var command = database.DataSource.CreateCommand(
            "SELECT chain, seq, time, kind, grant_name, server_id, tool, decision, hash, record, ctid::text FROM audit ORDER BY chain, seq");
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditColumns.Check(reader.GetString(9), $"row {reader.GetString(10)}",
                reader.GetString(0), reader.GetInt64(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8));
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync("""
            DELETE FROM audit a WHERE a.seq < (
                SELECT max(c.seq) FROM audit c WHERE c.chain = a.chain AND c.kind = 'checkpoint' AND c.time < $1)
            """, [cutoff.UtcDateTime], cancellationToken).ConfigureAwait(false);
}
