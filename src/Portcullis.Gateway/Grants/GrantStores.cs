using Portcullis.Storage.Grants;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Grants;

/// <summary>Opens the grant store a configuration names.</summary>
public static class GrantStores
{
    /// <summary>The prefix of a SQLite store: <c>sqlite:PATH</c>.</summary>
    public const string SqlitePrefix = "sqlite:";

    /// <summary>The store for <paramref name="store"/>, or null for <c>memory</c> (no run-time grants).</summary>
    public static IGrantStore? Open(string store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.StartsWith(SqlitePrefix, StringComparison.Ordinal) ? new SqliteGrantStore(store[SqlitePrefix.Length..]) : null;
    }
}
