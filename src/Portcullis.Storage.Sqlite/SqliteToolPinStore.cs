using Portcullis.Storage.Pins;

namespace Portcullis.Storage.Sqlite;

/// <summary>Pinned tool definitions in one SQLite file, so the CLI can review and approve what a gateway quarantined.</summary>
public sealed class SqliteToolPinStore : IToolPinStore
{
    private const string Columns =
        "server_id, tool, approved_hash, approved_definition, approved_by, approved_at, pending_hash, pending_definition, pending_since, first_seen";

    private readonly string _connectionString;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>.</summary>
    public SqliteToolPinStore(string path)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM tool_pins WHERE server_id = $server ORDER BY tool", [("$server", server)], cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ToolPin?> GetAsync(string server, string tool, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM tool_pins WHERE server_id = $server AND tool = $tool", [("$server", server), ("$tool", tool)],
            cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return await ExecuteAsync($"""
            INSERT INTO tool_pins ({Columns}) VALUES ($server, $tool, $approved, $approvedDefinition, $by, $approvedAt, $pending, $pendingDefinition, $since, $first)
            ON CONFLICT (server_id, tool) DO NOTHING
            """,
            [("$server", pin.Server), ("$tool", pin.Tool), ("$approved", pin.ApprovedHash), ("$approvedDefinition", pin.ApprovedDefinition), ("$by", pin.ApprovedBy),
             ("$approvedAt", pin.ApprovedAt?.ToUnixTimeMilliseconds()), ("$pending", pin.PendingHash), ("$pendingDefinition", pin.PendingDefinition),
             ("$since", pin.PendingSince?.ToUnixTimeMilliseconds()), ("$first", pin.FirstSeen.ToUnixTimeMilliseconds())], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> MarkChangedAsync(string server, string tool, string hash, string definition, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        await ExecuteAsync("""
            UPDATE tool_pins SET pending_hash = $hash, pending_definition = $definition, pending_since = $at
            WHERE server_id = $server AND tool = $tool AND pending_hash IS NOT $hash
            """, [("$server", server), ("$tool", tool), ("$hash", hash), ("$definition", definition), ("$at", at.ToUnixTimeMilliseconds())], cancellationToken)
            .ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async ValueTask<bool> ClearChangeAsync(string server, string tool, string approvedHash, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("""
            UPDATE tool_pins SET pending_hash = NULL, pending_definition = NULL, pending_since = NULL
            WHERE server_id = $server AND tool = $tool AND approved_hash = $approved AND pending_hash IS NOT NULL
            """, [("$server", server), ("$tool", tool), ("$approved", approvedHash)], cancellationToken).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async ValueTask<bool> ApproveAsync(string server, string tool, string hash, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("""
            UPDATE tool_pins SET approved_hash = pending_hash, approved_definition = pending_definition, approved_by = $by, approved_at = $at,
                pending_hash = NULL, pending_definition = NULL, pending_since = NULL
            WHERE server_id = $server AND tool = $tool AND pending_hash = $hash
            """, [("$server", server), ("$tool", tool), ("$hash", hash), ("$by", approvedBy), ("$at", at.ToUnixTimeMilliseconds())], cancellationToken)
            .ConfigureAwait(false) == 1;

    private ValueTask<int> ExecuteAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        });

    private ValueTask<IReadOnlyList<ToolPin>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        SqliteFile.QueryAsync(_connectionString, sql, parameters, reader => new ToolPin
        {
            Server = reader.GetString(0),
            Tool = reader.GetString(1),
            ApprovedHash = reader.IsDBNull(2) ? null : reader.GetString(2),
            ApprovedDefinition = reader.IsDBNull(3) ? null : reader.GetString(3),
            ApprovedBy = reader.IsDBNull(4) ? null : reader.GetString(4),
            ApprovedAt = reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            PendingHash = reader.IsDBNull(6) ? null : reader.GetString(6),
            PendingDefinition = reader.IsDBNull(7) ? null : reader.GetString(7),
            PendingSince = reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            FirstSeen = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        }, cancellationToken);
}
