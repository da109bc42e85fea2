using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Audit records in one SQLite file: the canonical record as written, plus indexed copies of the
/// fields queries filter on. A batch is written in one transaction of the file's
/// <see cref="SqliteWriteQueue"/>; a record already there is left alone.
/// </summary>
public sealed class SqliteAuditStore : IAuditStore, IAsyncDisposable
{
    private const string Insert = """
        INSERT INTO audit (chain, seq, time_ms, kind, grant_name, server_id, tool, decision, hash, record)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        ON CONFLICT (chain, seq) DO NOTHING
        """;

    private readonly string _connectionString;
    private readonly SqliteWriteQueue _writes;
    private readonly bool _ownsWrites;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>, with writes of its own.</summary>
    public SqliteAuditStore(string path)
        : this(path, SqliteFile.OpenWriteQueue(path))
    {
        _ownsWrites = true;
    }

    /// <summary>Audit records whose writes share <paramref name="writes"/> with the other stores of their file.</summary>
    internal SqliteAuditStore(string path, SqliteWriteQueue writes)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        _writes = writes;
    }

    /// <inheritdoc />
    public string Name => "sqlite";

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        // Serialised before queueing, so the batch's write lock is held for the inserts only. The records are
        // read in the write itself, which runs before this method returns (or not at all, if cancelled first).
        var text = new ArrayBufferWriter<byte>(records.Count * 1024);
        var ends = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            AuditCanonicalForm.WriteUtf8(records[i], text);
            ends[i] = text.WrittenCount;
        }

        await _writes.WriteAsync(writes =>
        {
            var insert = writes.Statement(Insert);
            var start = 0;
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                insert.Bind(1, record.Chain);
                insert.Bind(2, record.Seq);
                insert.Bind(3, record.Time.ToUnixTimeMilliseconds());
                insert.Bind(4, record.Kind);
                insert.Bind(5, record.Grant);
                insert.Bind(6, record.Server);
                insert.Bind(7, record.Tool);
                insert.Bind(8, record.Decision);
                insert.Bind(9, record.Hash);
                insert.BindUtf8(10, text.WrittenSpan[start..ends[i]]);
                insert.Execute();
                start = ends[i];
            }

            return records.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SqliteFile.GuardAsync<IReadOnlyList<AuditRecord>>(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT record FROM audit
                WHERE ($since IS NULL OR time_ms >= $since) AND ($until IS NULL OR time_ms < $until)
                  AND ($grant IS NULL OR grant_name = $grant) AND ($server IS NULL OR server_id = $server)
                  AND ($tool IS NULL OR tool = $tool) AND ($decision IS NULL OR decision = $decision) AND ($kind IS NULL OR kind = $kind)
                ORDER BY time_ms DESC, seq DESC
                LIMIT $limit
                """;
            command.Parameters.AddWithValue("$since", (object?)query.Since?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$until", (object?)query.Until?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$grant", (object?)query.Grant ?? DBNull.Value);
            command.Parameters.AddWithValue("$server", (object?)query.Server ?? DBNull.Value);
            command.Parameters.AddWithValue("$tool", (object?)query.Tool ?? DBNull.Value);
            command.Parameters.AddWithValue("$decision", (object?)query.Decision ?? DBNull.Value);
            command.Parameters.AddWithValue("$kind", (object?)query.Kind ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", query.Limit);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new List<AuditRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(AuditCanonicalForm.Parse(reader.GetString(0)));
            }

            return found;
        });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredAuditRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = SqliteFile.Open(_connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT chain, seq, time_ms, kind, grant_name, server_id, tool, decision, hash, record, rowid FROM audit ORDER BY chain, seq";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditColumns.Check(reader.GetString(9), $"row {reader.GetInt64(10)}",
                reader.GetString(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8));
        }
    }

    /// <summary>Closes the connection its own writes keep; the writes of a shared file are closed with the file's other stores.</summary>
    public ValueTask DisposeAsync() => _ownsWrites ? _writes.DisposeAsync() : ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = """
                DELETE FROM audit WHERE seq < (
                    SELECT max(c.seq) FROM audit c WHERE c.chain = audit.chain AND c.kind = 'checkpoint' AND c.time_ms < $cutoff)
                """;
            command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            return (long)await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        });
}
