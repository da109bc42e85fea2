using Microsoft.Data.Sqlite;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// One run of batches: a connection and the statements prepared on it, kept while writes keep
/// coming. Statements are cached by their text, so a write asks for the same text every time.
/// </summary>
internal sealed class SqliteBatch(string connectionString) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private bool _discard;

    /// <summary>
    /// Whether the connection, if open, no longer writes to the file at its path (it was moved away
    /// or deleted); null when that cannot be told.
    /// </summary>
    public bool? FileMoved => _connection is null ? false : SqliteFileIdentity.HasMoved(_connection);

    private SqliteConnection Connection => _connection ??= OpenCurrentFile();

    /// <summary>Closes the connection rather than pooling it, and empties the pool: its idle connections may point at a file that is gone.</summary>
    public void Discard() => _discard = true;

    /// <summary>The prepared command for <paramref name="sql"/>, its parameters cleared for this use.</summary>
    public SqliteCommand Command(string sql)
    {
        if (_commands.TryGetValue(sql, out var command))
        {
            command.Parameters.Clear();
            return command;
        }

        command = Connection.CreateCommand();
        command.CommandText = sql;
        _commands.Add(sql, command);
        return command;
    }

    /// <summary>The statement for <paramref name="sql"/>, prepared on this batch's connection the first time it is asked for.</summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(Connection, sql);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>A pooled connection, unless the pool still held one to a file moved away or deleted: then the pool is emptied and the file now at the path opened.</summary>
    private SqliteConnection OpenCurrentFile()
    {
        var connection = SqliteFile.Open(connectionString);
        if (SqliteFileIdentity.HasMoved(connection) != true)
        {
            return connection;
        }

        SqliteConnection.ClearPool(connection);
        connection.Dispose();
        return SqliteFile.Open(connectionString);
    }

    // Plain statements rather than SqliteTransaction, so the cached commands need no transaction object each use.

    /// <summary>Starts a write transaction, taking the write lock at once rather than at the first write.</summary>
    public void Begin() => Command("BEGIN IMMEDIATE").ExecuteNonQuery();

    public void Commit() => Command("COMMIT").ExecuteNonQuery();

    /// <summary>Rolls back whatever the transaction holds; nothing to roll back is not a failure.</summary>
    public void RollBack()
    {
        try
        {
            Command("ROLLBACK").ExecuteNonQuery();
        }
        catch (Exception)
        {
            // No transaction left (SQLite ends some by itself on error), or the connection failed: nothing was committed
            // either way, but a transaction may still be open on it, so the connection is not pooled again.
            _discard = true;
        }
    }

    /// <summary>Closes the statements and the connection; never throws, so whoever runs the queue always gets to release it.</summary>
    public void Dispose()
    {
        try
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            foreach (var statement in _statements.Values)
            {
                statement.Dispose();
            }

            if (_discard && _connection is not null)
            {
                SqliteConnection.ClearPool(_connection);
            }

            _connection?.Dispose();
        }
        catch (Exception)
        {
            // A connection that cannot even close is left to the pool's finaliser; the next batch opens another.
        }
    }
}
