using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Storage.Grants;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Grants in one SQLite file (WAL, busy timeout). Every change to a stored grant moves the file's
/// <c>grants</c> change stamp (a trigger), so a gateway that keeps copies learns of a revocation by
/// the command line or another gateway at its next read of the stamp. A failure of the file while
/// checking a token is reported as an unavailable store.
/// </summary>
public sealed class SqliteGrantStore : IGrantStore
{
    private readonly string _connectionString;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>.</summary>
    public SqliteGrantStore(string path)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public bool KeepsGrants => true;

    /// <inheritdoc />
    public ValueTask<StoredGrant?> FindByTokenHashAsync(ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync<StoredGrant?>(async () =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, token_hash, servers, labels, expires, revoked_at, created_at FROM grants WHERE token_hash = $hash";
            command.Parameters.AddWithValue("$hash", tokenHash.ToArray());
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        });

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoredGrant>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, token_hash, servers, labels, expires, revoked_at, created_at FROM grants ORDER BY created_at, name";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var grants = new List<StoredGrant>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grants.Add(Read(reader));
        }

        return grants;
    }

    /// <inheritdoc />
    public async ValueTask<bool> CreateAsync(StoredGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO grants (name, token_hash, servers, labels, expires, revoked_at, created_at)
            VALUES ($name, $hash, $servers, $labels, $expires, NULL, $created)
            ON CONFLICT(name) DO NOTHING
            """;
        command.Parameters.AddWithValue("$name", grant.Name);
        command.Parameters.AddWithValue("$hash", grant.TokenHash.ToArray());
        command.Parameters.AddWithValue("$servers", JsonSerializer.Serialize(grant.Servers));
        command.Parameters.AddWithValue("$labels", JsonSerializer.Serialize(grant.Labels));
        command.Parameters.AddWithValue("$expires", (object?)Format(grant.Expires) ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", Format(grant.CreatedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReplaceTokenAsync(string name, ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE grants SET token_hash = $hash WHERE name = $name AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$hash", tokenHash.ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE grants SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$at", Format(at));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default) =>
        SqliteFile.ReadChangeStampAsync(_connectionString, "grants", cancellationToken);

    private SqliteConnection Open() => SqliteFile.Open(_connectionString);

    private static StoredGrant Read(SqliteDataReader reader) => new()
    {
        Name = reader.GetString(0),
        TokenHash = [.. (byte[])reader[1]],
        Servers = JsonSerializer.Deserialize<ImmutableArray<string>>(reader.GetString(2)),
        Labels = JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(reader.GetString(3)) ?? ImmutableDictionary<string, string>.Empty,
        Expires = reader.IsDBNull(4) ? null : Parse(reader.GetString(4)),
        RevokedAt = reader.IsDBNull(5) ? null : Parse(reader.GetString(5)),
        CreatedAt = Parse(reader.GetString(6)),
    };

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
