using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// A write statement prepared once on a batch's connection and bound by position, for the one
/// write made for every call (the audit record's insert). <see cref="SqliteCommand"/> looks each
/// parameter up by name and converts every string to UTF-8 on each execution; here text that is
/// already UTF-8 (a record's canonical JSON) is bound as it is. Failures surface as
/// <see cref="SqliteException"/>, as from a command.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;
    private byte[] _text = new byte[256];

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v3(_database, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
    }

    /// <summary>
    /// Binds parameter <paramref name="index"/> (from 1) to text, or to NULL when there is none. The
    /// text is bound with its length, so a U+0000 in it is stored rather than ending it
    /// (SQLitePCLRaw's string overload ends long text at the first one).
    /// </summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        var needed = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_text.Length < needed)
        {
            _text = new byte[Math.Max(needed, _text.Length * 2)];
        }

        BindUtf8(index, _text.AsSpan(0, Encoding.UTF8.GetBytes(value, _text)));
    }

    /// <summary>Binds parameter <paramref name="index"/> (from 1) to UTF-8 text, which SQLite copies.</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_text(_statement, index, value));

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    /// <summary>Runs the statement to its end and makes it ready for the next bindings.</summary>
    public void Execute()
    {
        var result = raw.sqlite3_step(_statement);
        // Reset whatever happened, so a failed step does not hold the statement (and its locks) open,
        // and let go of the bound values (a record's text) until the next use.
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _database);
            throw new SqliteException($"The statement returned rows, where it was to run to its end (SQLite result {result}).", result);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _database);
        }
    }
}
