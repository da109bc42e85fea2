using Microsoft.Data.Sqlite;
using Portcullis.Storage.Policies;

namespace Portcullis.Storage.Sqlite;

/// <summary>Policy versions in one SQLite file: immutable rows numbered per server under SQLite's write lock.</summary>
public sealed class SqlitePolicyStore : IPolicyStore
{
    private const string Columns = "server_id, version, text, format, source, comment, created_at";
    private readonly string _connectionString;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>.</summary>
    public SqlitePolicyStore(string path)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public ValueTask<PolicyVersion> SaveAsync(NewPolicyVersion policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            // Numbering and inserting in one statement: the next number cannot be taken twice.
            command.CommandText = $"""
                INSERT INTO policy_versions ({Columns})
                SELECT $server, coalesce(max(version), 0) + 1, $text, $format, $source, $comment, $created
                FROM policy_versions WHERE server_id = $server
                RETURNING version
                """;
            command.Parameters.AddWithValue("$server", policy.ServerId);
            command.Parameters.AddWithValue("$text", policy.Text);
            command.Parameters.AddWithValue("$format", policy.Format);
            command.Parameters.AddWithValue("$source", policy.Source);
            command.Parameters.AddWithValue("$comment", policy.Comment);
            command.Parameters.AddWithValue("$created", policy.CreatedAt.ToUnixTimeMilliseconds());
            var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            return policy.Numbered(version);
        });
    }

    /// <inheritdoc />
    public async ValueTask<PolicyVersion?> GetAsync(string serverId, int version, CancellationToken cancellationToken = default) =>
        FirstOrNull(await QueryAsync($"SELECT {Columns} FROM policy_versions WHERE server_id = $server AND version = $version",
            [("$server", serverId), ("$version", version)], cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<PolicyVersion?> LatestAsync(string serverId, string? source = null, CancellationToken cancellationToken = default) =>
        FirstOrNull(await QueryAsync(
            $"SELECT {Columns} FROM policy_versions WHERE server_id = $server AND ($source IS NULL OR source = $source) ORDER BY version DESC LIMIT 1",
            [("$server", serverId), ("$source", source)], cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PolicyVersion>> ListAsync(string serverId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM policy_versions WHERE server_id = $server ORDER BY version DESC", [("$server", serverId)], cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync<IReadOnlyDictionary<string, int>>(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT server_id, max(version) FROM policy_versions GROUP BY server_id";
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var latest = new Dictionary<string, int>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                latest[reader.GetString(0)] = reader.GetInt32(1);
            }

            return latest;
        });

    private static PolicyVersion? FirstOrNull(IReadOnlyList<PolicyVersion> versions) => versions.Count > 0 ? versions[0] : null;

    private ValueTask<IReadOnlyList<PolicyVersion>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        SqliteFile.QueryAsync(_connectionString, sql, parameters, reader => new PolicyVersion
        {
            ServerId = reader.GetString(0),
            Version = reader.GetInt32(1),
            Text = reader.GetString(2),
            Format = reader.GetString(3),
            Source = reader.GetString(4),
            Comment = reader.GetString(5),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        }, cancellationToken);
}
