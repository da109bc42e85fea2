using Npgsql;

namespace Portcullis.Storage.Postgres;

/// <summary>
/// The PostgreSQL database of a distributed deployment: a pooled data source with bounded
/// timeouts, and the schema brought up to date at start-up by versioned, append-only steps,
/// applied under an advisory lock so instances starting together apply each step once.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private const long MigrationLockId = 0x506f7274_63756c6c; // "Portcull"

    private static readonly string[] s_migrations =
    [
        """
        CREATE TABLE grants (
            name text PRIMARY KEY,
            token_hash bytea NOT NULL UNIQUE,
            servers jsonb NOT NULL,
            labels jsonb NOT NULL,
            expires timestamptz NULL,
            revoked_at timestamptz NULL,
            created_at timestamptz NOT NULL);
        CREATE TABLE policy_versions (
            server_id text NOT NULL,
            version integer NOT NULL,
            text text NOT NULL,
            format text NOT NULL,
            source text NOT NULL,
            comment text NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (server_id, version));
        """,
        """
        CREATE TABLE audit (
            chain text NOT NULL,
            seq bigint NOT NULL,
            time timestamptz NOT NULL,
            kind text NOT NULL,
            grant_name text NULL,
            server_id text NULL,
            tool text NULL,
            decision text NULL,
            hash text NOT NULL,
            record text NOT NULL,
            PRIMARY KEY (chain, seq));
        CREATE INDEX audit_time ON audit (time);
        """,
        """
        CREATE TABLE approvals (
            id text PRIMARY KEY,
            grant_name text NOT NULL,
            server_id text NOT NULL,
            tool text NOT NULL,
            arguments text NULL,
            arguments_hash text NOT NULL,
            rule_id text NOT NULL,
            reason text NOT NULL,
            requested_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            status text NOT NULL,
            decided_by text NULL,
            comment text NULL,
            decided_at timestamptz NULL);
        CREATE INDEX approvals_status ON approvals (status, requested_at);
        CREATE INDEX approvals_remember ON approvals (grant_name, server_id, tool, arguments_hash, status);
        """,
        """
        CREATE TABLE tool_pins (
            server_id text NOT NULL,
            tool text NOT NULL,
            approved_hash text NULL,
            approved_definition text NULL,
            approved_by text NULL,
            approved_at timestamptz NULL,
            pending_hash text NULL,
            pending_definition text NULL,
            pending_since timestamptz NULL,
            first_seen timestamptz NOT NULL,
            PRIMARY KEY (server_id, tool));
        """,
        // The grants' change stamp, moved by a trigger so every writer moves it in its own transaction.
        """
        CREATE TABLE change_stamps (
            topic text PRIMARY KEY,
            stamp bigint NOT NULL);
        INSERT INTO change_stamps (topic, stamp) VALUES ('grants', 0);
        CREATE FUNCTION portcullis_grants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'grants';
            RETURN NULL;
        END $$;
        CREATE TRIGGER grants_changed AFTER UPDATE OR DELETE ON grants
            FOR EACH STATEMENT EXECUTE FUNCTION portcullis_grants_changed();
        """,
    ];

    private PostgresDatabase(NpgsqlDataSource dataSource) => DataSource = dataSource;

    /// <summary>The pooled data source the stores open connections from.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>How many schema steps this build knows.</summary>
    public static int SchemaVersion => s_migrations.Length;

    /// <summary>
    /// Opens <paramref name="connectionString"/> (<c>postgres://user:password@host:port/database</c>
    /// or Npgsql's <c>Host=…;Database=…</c> form) and applies the schema steps it lacks.
    /// </summary>
    public static async Task<PostgresDatabase> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var database = new PostgresDatabase(NpgsqlDataSource.Create(Parse(connectionString)));
        try
        {
            await GuardAsync(() => database.MigrateAsync(cancellationToken)).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether <paramref name="connectionString"/> can be read; the message says what is wrong when not.</summary>
    public static bool TryValidate(string connectionString, out string? problem)
    {
        try
        {
            var builder = Parse(connectionString);
            problem = string.IsNullOrEmpty(builder.Host) ? "it names no host" : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
        {
            problem = e.Message;
        }

        return problem is null;
    }

    /// <summary>Runs a database operation, reporting an unreachable or slow PostgreSQL as an unavailable store.</summary>
    public static async ValueTask<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && e is not PostgresException { SqlState: "23505" })
        {
            throw new StoreUnavailableException($"PostgreSQL is unavailable: {e.Message}", e);
        }
    }

    /// <summary>Runs a query with positional parameters (null as SQL NULL) and maps every row with <paramref name="read"/>.</summary>
    public ValueTask<IReadOnlyList<T>> QueryAsync<T>(string sql, object?[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        GuardAsync<IReadOnlyList<T>>(async () =>
        {
            using var command = Command(sql, parameters);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        });

    /// <summary>Runs a statement with positional parameters (null as SQL NULL); returns the rows it changed.</summary>
    public ValueTask<int> ExecuteAsync(string sql, object?[] parameters, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var command = Command(sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter as NpgsqlParameter ?? new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    private async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockId})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS portcullis_schema (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, cancellationToken).ConfigureAwait(false);
        using var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM portcullis_schema", connection);
        var applied = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (applied > s_migrations.Length)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL store has schema version {applied}, newer than this gateway knows ({s_migrations.Length}); upgrade the gateway.");
        }

        for (var step = applied; step < s_migrations.Length; step++)
        {
            await ExecuteAsync(connection, s_migrations[step], cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO portcullis_schema (version) VALUES ({step + 1})", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return s_migrations.Length - applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        if (connectionString.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || connectionString.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(connectionString);
            builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
            var user = uri.UserInfo.Split(':', 2);
            if (user[0].Length > 0)
            {
                builder.Username = Uri.UnescapeDataString(user[0]);
            }

            if (user.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(user[1]);
            }

            var database = uri.AbsolutePath.Trim('/');
            if (database.Length > 0)
            {
                builder.Database = Uri.UnescapeDataString(database);
            }
        }
        else
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }

        // Bounded waits: an unreachable or hung database fails the request instead of holding it.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 3;
            builder.CommandTimeout = 5;
        }

        builder.ApplicationName ??= "portcullis";
        return builder;
    }
}
