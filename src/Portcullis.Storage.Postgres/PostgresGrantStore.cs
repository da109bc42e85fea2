using System.Collections.Immutable;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Portcullis.Storage.Grants;

namespace Portcullis.Storage.Postgres;

/// <summary>
/// Grants in PostgreSQL. Every change to a stored grant moves the <c>grants</c> change stamp (a
/// trigger), so instances that keep copies learn of a revocation at their next read of the stamp.
/// </summary>
public sealed class PostgresGrantStore(PostgresDatabase database) : IGrantStore
{
    private const string Columns = "name, token_hash, servers::text, labels::text, expires, revoked_at, created_at";

    /// <inheritdoc />
    public bool KeepsGrants => true;

    /// <inheritdoc />
    public async ValueTask<StoredGrant?> FindByTokenHashAsync(ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default)
    {
        var grants = await QueryAsync($"SELECT {Columns} FROM grants WHERE token_hash = $1", [tokenHash.ToArray()], cancellationToken).ConfigureAwait(false);
        return grants.Count > 0 ? grants[0] : null;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredGrant>> ListAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM grants ORDER BY created_at, name", [], cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> CreateAsync(StoredGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return ExecuteAsync("""
            INSERT INTO grants (name, token_hash, servers, labels, expires, revoked_at, created_at)
            VALUES ($1, $2, $3, $4, $5, NULL, $6)
            ON CONFLICT (name) DO NOTHING
            """,
            [grant.Name, grant.TokenHash.ToArray(), Json(JsonSerializer.Serialize(grant.Servers)), Json(JsonSerializer.Serialize(grant.Labels)),
             (object?)grant.Expires?.UtcDateTime ?? DBNull.Value, grant.CreatedAt.UtcDateTime],
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceTokenAsync(string name, ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE grants SET token_hash = $2 WHERE name = $1 AND revoked_at IS NULL", [name, tokenHash.ToArray()], cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE grants SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL", [name, at.UtcDateTime], cancellationToken);

    /// <inheritdoc />
    public async ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default)
    {
        var stamps = await database.QueryAsync("SELECT stamp FROM change_stamps WHERE topic = 'grants'", [], reader => reader.GetInt64(0), cancellationToken)
            .ConfigureAwait(false);
        return stamps[0];
    }

    private static NpgsqlParameter Json(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private async ValueTask<bool> ExecuteAsync(string sql, object[] parameters, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(sql, parameters, cancellationToken).ConfigureAwait(false) == 1;

    private ValueTask<IReadOnlyList<StoredGrant>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, parameters, reader => new StoredGrant
        {
            Name = reader.GetString(0),
            TokenHash = [.. (byte[])reader[1]],
            Servers = JsonSerializer.Deserialize<ImmutableArray<string>>(reader.GetString(2)),
            Labels = JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(reader.GetString(3)) ?? ImmutableDictionary<string, string>.Empty,
            Expires = reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
            RevokedAt = reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
            CreatedAt = new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
        }, cancellationToken);
}
