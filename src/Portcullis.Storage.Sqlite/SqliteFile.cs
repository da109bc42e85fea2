using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Portcullis.Storage.Sqlite;

/// <summary>Opens connections the way every SQLite store here needs them, and brings the file's schema up to date.</summary>
internal static class SqliteFile
{
    /// <summary>
    /// Schema steps, applied in order once each; <c>PRAGMA user_version</c> records how many a file
    /// has. Steps are only ever appended. The first uses IF NOT EXISTS because files made before
    /// versioning already hold its tables.
    /// </summary>
    private static readonly string[] s_migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS counters (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL,
            window_end INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS grants (
            name TEXT PRIMARY KEY,
            token_hash BLOB NOT NULL UNIQUE,
            servers TEXT NOT NULL,
            labels TEXT NOT NULL,
            expires TEXT NULL,
            revoked_at TEXT NULL,
            created_at TEXT NOT NULL);
        """,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            grant_name TEXT NOT NULL,
            server_id TEXT NOT NULL,
            upstream_session_id TEXT NULL,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER NOT NULL);
        CREATE INDEX sessions_last_used ON sessions (last_used_at);
        CREATE TABLE policy_versions (
            server_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            format TEXT NOT NULL,
            source TEXT NOT NULL,
            comment TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (server_id, version));
        CREATE INDEX counters_window_end ON counters (window_end);
        """,
        """
        CREATE TABLE audit (
            chain TEXT NOT NULL,
            seq INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            grant_name TEXT NULL,
            server_id TEXT NULL,
            tool TEXT NULL,
            decision TEXT NULL,
            hash TEXT NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (chain, seq));
        CREATE INDEX audit_time ON audit (time_ms);
        """,
        """
        CREATE TABLE approvals (
            id TEXT PRIMARY KEY,
            grant_name TEXT NOT NULL,
            server_id TEXT NOT NULL,
            tool TEXT NOT NULL,
            arguments TEXT NULL,
            arguments_hash TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            decided_by TEXT NULL,
            comment TEXT NULL,
            decided_at INTEGER NULL);
        CREATE INDEX approvals_status ON approvals (status, requested_at);
        CREATE INDEX approvals_remember ON approvals (grant_name, server_id, tool, arguments_hash, status);
        """,
        """
        CREATE TABLE sliding_counters (
            entry TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL);
        CREATE INDEX sliding_counters_by_key ON sliding_counters (key, at_ms);
        CREATE INDEX sliding_counters_by_expiry ON sliding_counters (expires_ms);
        """,
        """
        CREATE TABLE tool_pins (
            server_id TEXT NOT NULL,
            tool TEXT NOT NULL,
            approved_hash TEXT NULL,
            approved_definition TEXT NULL,
            approved_by TEXT NULL,
            approved_at INTEGER NULL,
            pending_hash TEXT NULL,
            pending_definition TEXT NULL,
            pending_since INTEGER NULL,
            first_seen INTEGER NOT NULL,
            PRIMARY KEY (server_id, tool));
        """,
        // Change stamps moved by triggers, so every writer of the file (a gateway, the command line,
        // a hand-run UPDATE) moves them in the same transaction as the change it makes.
        """
        CREATE TABLE change_stamps (
            topic TEXT PRIMARY KEY,
            stamp INTEGER NOT NULL);
        INSERT INTO change_stamps (topic, stamp) VALUES ('grants', 0), ('sessions', 0);
        CREATE TRIGGER grants_updated AFTER UPDATE ON grants
        BEGIN UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'grants'; END;
        CREATE TRIGGER grants_deleted AFTER DELETE ON grants
        BEGIN UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'grants'; END;
        CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
        BEGIN UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'sessions'; END;
        """,
    ];

    /// <summary>
    /// A pooled, read-write connection string for the file at <paramref name="path"/>. Its default
    /// timeout bounds Microsoft.Data.Sqlite's own retries of a busy statement (30 s otherwise) to the
    /// same 5 s as SQLite's busy handler.
    /// </summary>
    public static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 5 }.ToString();

    /// <summary>
    /// An open connection that waits up to 5 s for another writer instead of failing with
    /// SQLITE_BUSY. Commits are synced at WAL checkpoints (<c>synchronous = NORMAL</c>): they
    /// survive a crash of the gateway; a power loss may lose the last moments of commits, never
    /// the file's consistency. Syncing every commit would cost about half a millisecond per call.
    /// Both settings belong to the native handle, which the connection pool reuses, so they are
    /// applied once per handle rather than on every open (two statements less per store call).
    /// </summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        if (!s_configuredHandles.TryGetValue(connection.Handle!, out _))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
            command.ExecuteNonQuery();
            s_configuredHandles.AddOrUpdate(connection.Handle!, s_configured);
        }

        return connection;
    }

    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> s_configuredHandles = [];
    private static readonly object s_configured = new();

    /// <summary>Brings the file at <paramref name="path"/> up to date and returns a write queue on it.</summary>
    public static SqliteWriteQueue OpenWriteQueue(string path)
    {
        var connectionString = ConnectionString(path);
        Migrate(connectionString);
        return new SqliteWriteQueue(connectionString);
    }

    /// <summary>Puts the file in WAL mode and applies the schema steps it lacks, under SQLite's write lock so concurrent openers agree.</summary>
    public static void Migrate(string connectionString)
    {
        using var connection = Open(connectionString);
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > s_migrations.Length)
        {
            throw new InvalidOperationException(
                $"The SQLite store '{connection.DataSource}' has schema version {version}, newer than this gateway knows ({s_migrations.Length}); upgrade the gateway.");
        }

        for (var step = version; step < s_migrations.Length; step++)
        {
            Execute(connection, s_migrations[step]);
        }

        Execute(connection, $"PRAGMA user_version = {s_migrations.Length};");
        transaction.Commit();
    }

    /// <summary>Runs a store operation, reporting SQLite failures (a lock held past the busy timeout, a disk error) as an unavailable store.</summary>
    public static async ValueTask<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw new StoreUnavailableException($"The SQLite store failed: {e.Message}", e);
        }
    }

    /// <summary>Runs a query with named parameters (null as SQL NULL) and maps every row with <paramref name="read"/>.</summary>
    public static ValueTask<IReadOnlyList<T>> QueryAsync<T>(string connectionString, string sql, (string Name, object? Value)[] parameters,
        Func<SqliteDataReader, T> read, CancellationToken cancellationToken) =>
        GuardAsync<IReadOnlyList<T>>(async () =>
        {
            using var connection = Open(connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        });

    /// <summary>The change stamp of <paramref name="topic"/> (<c>grants</c> or <c>sessions</c>), moved by the file's triggers.</summary>
    public static ValueTask<long> ReadChangeStampAsync(string connectionString, string topic, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var connection = Open(connectionString);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT stamp FROM change_stamps WHERE topic = $topic";
            command.Parameters.AddWithValue("$topic", topic);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        });

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
