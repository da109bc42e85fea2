using Portcullis.Storage.Approvals;

namespace Portcullis.Storage.Postgres;

/// <summary>Approvals in PostgreSQL: any instance can decide what another holds, and pending approvals survive restarts.</summary>
public sealed class PostgresApprovalStore(PostgresDatabase database) : IApprovalStore
{
    private const string Columns =
        "id, grant_name, server_id, tool, arguments, arguments_hash, rule_id, reason, requested_at, expires_at, status, decided_by, comment, decided_at";

    /// <inheritdoc />
    public async ValueTask CreateAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await ExecuteAsync($"INSERT INTO approvals ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL)",
            [request.Id, request.Grant, request.Server, request.Tool, request.Arguments, request.ArgumentsHash, request.RuleId, request.Reason,
             request.RequestedAt.UtcDateTime, request.ExpiresAt.UtcDateTime, request.Status], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM approvals WHERE id = $1", [id], cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(string? status, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM approvals WHERE ($1::text IS NULL OR status = $1) ORDER BY requested_at DESC, id DESC LIMIT $2", [status, limit],
            cancellationToken);

    /// <inheritdoc />
    public async ValueTask<bool> DecideAsync(string id, string status, string? decidedBy, string? comment, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE approvals SET status = $2, decided_by = $3, comment = $4, decided_at = $5 WHERE id = $1 AND status = 'pending'",
            [id, status, decidedBy, comment, at.UtcDateTime], cancellationToken).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    public async ValueTask<ApprovalRequest?> FindApprovedAsync(string grant, string server, string tool, string argumentsHash, DateTimeOffset since,
        CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"""
            SELECT {Columns} FROM approvals
            WHERE grant_name = $1 AND server_id = $2 AND tool = $3 AND arguments_hash = $4 AND status = 'approved' AND decided_at >= $5
            ORDER BY decided_at DESC LIMIT 1
            """, [grant, server, tool, argumentsHash, since.UtcDateTime], cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    private ValueTask<int> ExecuteAsync(string sql, object?[] parameters, CancellationToken cancellationToken) =>
        database.ExecuteAsync(sql, parameters, cancellationToken);

    private ValueTask<IReadOnlyList<ApprovalRequest>> QueryAsync(string sql, object?[] parameters, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, parameters, reader => new ApprovalRequest
        {
            Id = reader.GetString(0),
            Grant = reader.GetString(1),
            Server = reader.GetString(2),
            Tool = reader.GetString(3),
            Arguments = reader.IsDBNull(4) ? null : reader.GetString(4),
            ArgumentsHash = reader.GetString(5),
            RuleId = reader.GetString(6),
            Reason = reader.GetString(7),
            RequestedAt = new DateTimeOffset(reader.GetDateTime(8), TimeSpan.Zero),
            ExpiresAt = new DateTimeOffset(reader.GetDateTime(9), TimeSpan.Zero),
            Status = reader.GetString(10),
            DecidedBy = reader.IsDBNull(11) ? null : reader.GetString(11),
            Comment = reader.IsDBNull(12) ? null : reader.GetString(12),
            DecidedAt = reader.IsDBNull(13) ? null : new DateTimeOffset(reader.GetDateTime(13), TimeSpan.Zero),
        }, cancellationToken);
}
