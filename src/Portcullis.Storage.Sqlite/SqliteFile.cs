using Microsoft.Data.Sqlite;

namespace Portcullis.Storage.Sqlite;

/// <summary>Opens connections the way every SQLite store here needs them.</summary>
internal static class SqliteFile
{
    /// <summary>An open connection that waits up to 5 s for another writer instead of failing with SQLITE_BUSY.</summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000;";
        command.ExecuteNonQuery();
        return connection;
    }
}
