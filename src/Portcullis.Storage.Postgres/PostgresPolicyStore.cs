using Npgsql;
using Portcullis.Storage.Policies;

namespace Portcullis.Storage.Postgres;

/// <summary>Policy versions in PostgreSQL: immutable rows, numbered per server; two instances saving at once get distinct numbers.</summary>
public sealed class PostgresPolicyStore(PostgresDatabase database) : IPolicyStore
{
    private const string Columns = "server_id, version, text, format, source, comment, created_at";

    /// <inheritdoc />
    public async ValueTask<PolicyVersion> SaveAsync(NewPolicyVersion policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PostgresDatabase.GuardAsync(async () =>
                {
                    using var command = database.DataSource.CreateCommand($"""
                        INSERT INTO policy_versions ({Columns})
                        SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM policy_versions WHERE server_id = $1
                        RETURNING version
                        """);
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.ServerId });
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.Text });
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.Format });
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.Source });
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.Comment });
                    command.Parameters.Add(new NpgsqlParameter { Value = policy.CreatedAt.UtcDateTime });
                    return policy.Numbered((int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
                }).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 10)
            {
                // Another instance took this number between our read and insert: take the next.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<PolicyVersion?> GetAsync(string serverId, int version, CancellationToken cancellationToken = default) =>
        FirstOrNull(await QueryAsync($"SELECT {Columns} FROM policy_versions WHERE server_id = $1 AND version = $2", [serverId, version], cancellationToken)
            .ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<PolicyVersion?> LatestAsync(string serverId, string? source = null, CancellationToken cancellationToken = default) =>
        FirstOrNull(await QueryAsync(
            $"SELECT {Columns} FROM policy_versions WHERE server_id = $1 AND ($2::text IS NULL OR source = $2) ORDER BY version DESC LIMIT 1",
            [serverId, (object?)source ?? DBNull.Value], cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PolicyVersion>> ListAsync(string serverId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM policy_versions WHERE server_id = $1 ORDER BY version DESC", [serverId], cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default) =>
        PostgresDatabase.GuardAsync<IReadOnlyDictionary<string, int>>(async () =>
        {
            using var command = database.DataSource.CreateCommand("SELECT server_id, max(version) FROM policy_versions GROUP BY server_id");
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var latest = new Dictionary<string, int>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                latest[reader.GetString(0)] = reader.GetInt32(1);
            }

            return latest;
        });

    private static PolicyVersion? FirstOrNull(IReadOnlyList<PolicyVersion> versions) => versions.Count > 0 ? versions[0] : null;

    private ValueTask<IReadOnlyList<PolicyVersion>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, parameters, reader => new PolicyVersion
        {
            ServerId = reader.GetString(0),
            Version = reader.GetInt32(1),
            Text = reader.GetString(2),
            Format = reader.GetString(3),
            Source = reader.GetString(4),
            Comment = reader.GetString(5),
            CreatedAt = new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
        }, cancellationToken);
}
