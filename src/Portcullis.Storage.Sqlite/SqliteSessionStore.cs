using Microsoft.Data.Sqlite;
using Portcullis.Storage.Sessions;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Sessions in one SQLite file, so they survive a restart of the gateway and are shared by every
/// gateway process on the machine. A lookup writes only when the last-used time is stale. Every
/// ended session moves the file's <c>sessions</c> change stamp (a trigger).
/// </summary>
public sealed class SqliteSessionStore : ISessionStore
{
    private const string Columns = "id, grant_name, server_id, upstream_session_id, created_at, last_used_at";
    private readonly string _connectionString;

    /// <summary>Opens (and if needed creates) the store at <paramref name="path"/>.</summary>
    public SqliteSessionStore(string path)
    {
        _connectionString = SqliteFile.ConnectionString(path);
        SqliteFile.Migrate(_connectionString);
    }

    /// <inheritdoc />
    public async ValueTask CreateAsync(StoredSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var created = await SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO sessions ({Columns}) VALUES ($id, $grant, $server, $upstream, $created, $used) ON CONFLICT(id) DO NOTHING";
            command.Parameters.AddWithValue("$id", session.Id);
            command.Parameters.AddWithValue("$grant", session.GrantName);
            command.Parameters.AddWithValue("$server", session.ServerId);
            command.Parameters.AddWithValue("$upstream", (object?)session.UpstreamSessionId ?? DBNull.Value);
            command.Parameters.AddWithValue("$created", session.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$used", session.LastUsedAt.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }).ConfigureAwait(false);
        if (!created)
        {
            throw new InvalidOperationException($"Session '{session.Id}' already exists.");
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredSession?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            StoredSession? session;
            using (var find = connection.CreateCommand())
            {
                find.CommandText = $"SELECT {Columns} FROM sessions WHERE id = $id";
                find.Parameters.AddWithValue("$id", id);
                using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                session = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }

            if (session is null || now - session.LastUsedAt < ISessionStore.TouchGranularity)
            {
                return session;
            }

            using var touch = connection.CreateCommand();
            touch.CommandText = "UPDATE sessions SET last_used_at = max(last_used_at, $now) WHERE id = $id";
            touch.Parameters.AddWithValue("$id", id);
            touch.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? session with { LastUsedAt = now } : null;
        });

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM sessions WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        });

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredSession>> RemoveIdleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        SqliteFile.GuardAsync<IReadOnlyList<StoredSession>>(async () =>
        {
            using var connection = SqliteFile.Open(_connectionString);
            using var command = connection.CreateCommand();
            // One DELETE … RETURNING: each removed row is returned to exactly one sweeper.
            command.CommandText = $"DELETE FROM sessions WHERE last_used_at < $cutoff RETURNING {Columns}";
            command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var removed = new List<StoredSession>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                removed.Add(Read(reader));
            }

            return removed;
        });

    /// <inheritdoc />
    public ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default) =>
        SqliteFile.ReadChangeStampAsync(_connectionString, "sessions", cancellationToken);

    private static StoredSession Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        GrantName = reader.GetString(1),
        ServerId = reader.GetString(2),
        UpstreamSessionId = reader.IsDBNull(3) ? null : reader.GetString(3),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        LastUsedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
    };
}
