using Microsoft.Data.Sqlite;
using Portcullis.Storage.Approvals;

namespace Portcullis.Storage.Sqlite;

/// <summary>Approvals in one SQLite file, so the CLI can decide what a gateway holds and pending approvals survive a restart.</summary>
public sealed class SqliteApprovalStore : IApprovalStore
{
    private const string Columns =
        "id, grant_name, server_id, tool, arguments, arguments_hash, rule_id, reason, requested_at, expires_at, status, decided_by, comment, decided_at";

    private readonly string _connectionString;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>.</summary>
    public SqliteApprovalStore(string path)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public async ValueTask CreateAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO approvals ({Columns}) VALUES ($id, $grant, $server, $tool, $args, $hash, $rule, $reason, $requested, $expires, $status, NULL, NULL, NULL)";
            command.Parameters.AddWithValue("$id", request.Id);
            command.Parameters.AddWithValue("$grant", request.Grant);
            command.Parameters.AddWithValue("$server", request.Server);
            command.Parameters.AddWithValue("$tool", request.Tool);
            command.Parameters.AddWithValue("$args", (object?)request.Arguments ?? DBNull.Value);
            command.Parameters.AddWithValue("$hash", request.ArgumentsHash);
            command.Parameters.AddWithValue("$rule", request.RuleId);
            command.Parameters.AddWithValue("$reason", request.Reason);
            command.Parameters.AddWithValue("$requested", request.RequestedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$expires", request.ExpiresAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$status", request.Status);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM approvals WHERE id = $id", [("$id", id)], cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(string? status, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM approvals WHERE ($status IS NULL OR status = $status) ORDER BY requested_at DESC, id DESC LIMIT $limit",
            [("$status", status), ("$limit", limit)], cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DecideAsync(string id, string status, string? decidedBy, string? comment, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE approvals SET status = $status, decided_by = $by, comment = $comment, decided_at = $at WHERE id = $id AND status = 'pending'";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$by", (object?)decidedBy ?? DBNull.Value);
            command.Parameters.AddWithValue("$comment", (object?)comment ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        });

    /// <inheritdoc />
    public async ValueTask<ApprovalRequest?> FindApprovedAsync(string grant, string server, string tool, string argumentsHash, DateTimeOffset since,
        CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"""
            SELECT {Columns} FROM approvals
            WHERE grant_name = $grant AND server_id = $server AND tool = $tool AND arguments_hash = $hash AND status = 'approved' AND decided_at >= $since
            ORDER BY decided_at DESC LIMIT 1
            """, [("$grant", grant), ("$server", server), ("$tool", tool), ("$hash", argumentsHash), ("$since", since.ToUnixTimeMilliseconds())],
            cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    private ValueTask<IReadOnlyList<ApprovalRequest>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        SqliteFile.QueryAsync(_connectionString, sql, parameters, reader => new ApprovalRequest
        {
            Id = reader.GetString(0),
            Grant = reader.GetString(1),
            Server = reader.GetString(2),
            Tool = reader.GetString(3),
            Arguments = reader.IsDBNull(4) ? null : reader.GetString(4),
            ArgumentsHash = reader.GetString(5),
            RuleId = reader.GetString(6),
            Reason = reader.GetString(7),
            RequestedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
            Status = reader.GetString(10),
            DecidedBy = reader.IsDBNull(11) ? null : reader.GetString(11),
            Comment = reader.IsDBNull(12) ? null : reader.GetString(12),
            DecidedAt = reader.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),
        }, cancellationToken);
}
