using Portcullis.Storage.Pins;

namespace Portcullis.Storage.Postgres;

/// <summary>
/// Pinned tool definitions in PostgreSQL, shared by every instance. Updates are conditional: of
/// instances that see the same change at once, the row lock lets exactly one record it.
/// </summary>
public sealed class PostgresToolPinStore(PostgresDatabase database) : IToolPinStore
{
    private const string Columns =
        "server_id, tool, approved_hash, approved_definition, approved_by, approved_at, pending_hash, pending_definition, pending_since, first_seen";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM tool_pins WHERE server_id = $1 ORDER BY tool COLLATE \"C\"", [server], cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ToolPin?> GetAsync(string server, string tool, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM tool_pins WHERE server_id = $1 AND tool = $2", [server, tool], cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return await database.ExecuteAsync($"""
            INSERT INTO tool_pins ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (server_id, tool) DO NOTHING
            """,
            [pin.Server, pin.Tool, pin.ApprovedHash, pin.ApprovedDefinition, pin.ApprovedBy, pin.ApprovedAt?.UtcDateTime, pin.PendingHash, pin.PendingDefinition,
             pin.PendingSince?.UtcDateTime, pin.FirstSeen.UtcDateTime], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> MarkChangedAsync(string server, string tool, string hash, string definition, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync("""
            UPDATE tool_pins SET pending_hash = $3, pending_definition = $4, pending_since = $5
            WHERE server_id = $1 AND tool = $2 AND pending_hash IS DISTINCT FROM $3
            """, [server, tool, hash, definition, at.UtcDateTime], cancellationToken).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async ValueTask<bool> ClearChangeAsync(string server, string tool, string approvedHash, CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync("""
            UPDATE tool_pins SET pending_hash = NULL, pending_definition = NULL, pending_since = NULL
            WHERE server_id = $1 AND tool = $2 AND approved_hash = $3 AND pending_hash IS NOT NULL
            """, [server, tool, approvedHash], cancellationToken).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async ValueTask<bool> ApproveAsync(string server, string tool, string hash, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync("""
            UPDATE tool_pins SET approved_hash = pending_hash, approved_definition = pending_definition, approved_by = $4, approved_at = $5,
                pending_hash = NULL, pending_definition = NULL, pending_since = NULL
            WHERE server_id = $1 AND tool = $2 AND pending_hash = $3
            """, [server, tool, hash, approvedBy, at.UtcDateTime], cancellationToken).ConfigureAwait(false) == 1;

    private ValueTask<IReadOnlyList<ToolPin>> QueryAsync(string sql, object?[] parameters, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, parameters, reader => new ToolPin
        {
            Server = reader.GetString(0),
            Tool = reader.GetString(1),
            ApprovedHash = reader.IsDBNull(2) ? null : reader.GetString(2),
            ApprovedDefinition = reader.IsDBNull(3) ? null : reader.GetString(3),
            ApprovedBy = reader.IsDBNull(4) ? null : reader.GetString(4),
            ApprovedAt = reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
            PendingHash = reader.IsDBNull(6) ? null : reader.GetString(6),
            PendingDefinition = reader.IsDBNull(7) ? null : reader.GetString(7),
            PendingSince = reader.IsDBNull(8) ? null : new DateTimeOffset(reader.GetDateTime(8), TimeSpan.Zero),
            FirstSeen = new DateTimeOffset(reader.GetDateTime(9), TimeSpan.Zero),
        }, cancellationToken);
}
