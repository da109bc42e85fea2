using Portcullis.Storage.Grants;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Hosting;

/// <summary>Opens the stores a configuration names.</summary>
public static class StateStores
{
    /// <summary>The prefix of a SQLite store: <c>sqlite:PATH</c>.</summary>
    public const string SqlitePrefix = "sqlite:";

    /// <summary>The store for <paramref name="store"/>, or null for <c>memory</c> (no run-time grants).</summary>
    public static IGrantStore? Open(string store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.StartsWith(SqlitePrefix, StringComparison.Ordinal) ? new SqliteGrantStore(store[SqlitePrefix.Length..]) : null;
    }

    /// <summary>The counter store for <paramref name="store"/>: the SQLite file, or this process's memory.</summary>
    public static ICounterStore OpenCounters(string store, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.StartsWith(SqlitePrefix, StringComparison.Ordinal)
            ? new SqliteCounterStore(store[SqlitePrefix.Length..], timeProvider)
            : new InMemoryCounterStore(timeProvider);
    }
}
