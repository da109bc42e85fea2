using Portcullis.Storage.Events;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// The embedded backend: every store in one SQLite file, shared by the gateway and the command
/// line on one machine. There is no message channel, so readers poll the file for changes.
/// </summary>
public static class SqliteStores
{
    /// <summary>Opens (and if needed creates and migrates) the stores in the file at <paramref name="path"/>.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="timeProvider">The clock of the limit counters.</param>
    public static StoreSet Open(string path, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        // One queue for the writes on the request path, so they share transactions instead of waiting on each other for the lock.
        var writes = SqliteFile.OpenWriteQueue(path);
        var counters = new SqliteCounterStore(path, writes, timeProvider);
        return new StoreSet
        {
            Grants = new SqliteGrantStore(path),
            Counters = counters,
            Sessions = new SqliteSessionStore(path),
            Policies = new SqlitePolicyStore(path),
            Audit = new SqliteAuditStore(path, writes),
            Approvals = new SqliteApprovalStore(path),
            Pins = new SqliteToolPinStore(path),
            Changes = NoChangeFeed.Instance,
            // Disposed, an owner of the counters writes what it has not written yet and lets another process own them;
            // then the queue closes the connection it keeps.
            Connections = [counters, writes],
        };
    }
}
