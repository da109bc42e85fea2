using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Whether the file an open connection writes to is still the one at its path. A connection kept
/// open across idle periods would otherwise go on writing into a file that was moved away or
/// deleted (a restored backup, a file taken away), and what it writes would be lost without an
/// error. SQLite answers this itself (<c>SQLITE_FCNTL_HAS_MOVED</c>, one <c>stat</c> of the path),
/// through a file control that SQLitePCLRaw does not wrap.
/// </summary>
internal static partial class SqliteFileIdentity
{
    private const int HasMovedControl = 20; // SQLITE_FCNTL_HAS_MOVED
    private const int Ok = 0;

    // Set when the native library cannot answer (a build of SQLite under another name): no
    // connection can be checked then, so none is used for more than one batch.
    private static bool s_unanswerable;

    /// <summary>
    /// Whether the main database file of <paramref name="connection"/> was renamed or deleted
    /// since it was opened; null when that cannot be told (the connection is not usable, or the
    /// file system does not say, as on Windows).
    /// </summary>
    public static bool? HasMoved(SqliteConnection connection)
    {
        var handle = connection.Handle;
        if (Volatile.Read(ref s_unanswerable) || handle is null || handle.IsInvalid)
        {
            return null;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return FileControl(handle.DangerousGetHandle(), "main", HasMovedControl, out var moved) == Ok ? moved != 0 : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_unanswerable, true);
            return null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_file_control", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FileControl(IntPtr database, string name, int operation, out int result);
}
