namespace Portcullis.Gateway.Configuration;

/// <summary>
/// Where the gateway keeps state: this process's memory, one SQLite file (the embedded default),
/// or Redis plus PostgreSQL shared by several gateway instances.
/// </summary>
internal sealed record StoreConfig
{
    /// <summary>Everything in memory: lost on restart, not shared, no run-time grants.</summary>
    public static StoreConfig Memory { get; } = new();

    /// <summary>The SQLite file, for the embedded store.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>The Redis address (counters, sessions, change messages), for the distributed store.</summary>
    public string? RedisUrl { get; init; }

    /// <summary>The PostgreSQL connection string (grants, policy versions), for the distributed store.</summary>
    public string? PostgresUrl { get; init; }

    /// <summary>Whether several gateway instances share this store.</summary>
    public bool IsDistributed => RedisUrl is not null;

    /// <summary>The embedded store in <paramref name="path"/>.</summary>
    public static StoreConfig Sqlite(string path) => new() { SqlitePath = Path.GetFullPath(path) };

    /// <summary>A description without secrets, for logs.</summary>
    public override string ToString() => SqlitePath is not null ? "sqlite:" + SqlitePath : IsDistributed ? "redis + postgres" : "memory";
}

/// <summary>What a call that needs a counter gets when the counter store cannot be reached.</summary>
internal enum FailMode
{
    /// <summary>Denied with "rate-limit store unavailable" (the default).</summary>
    Closed,

    /// <summary>Let through unreserved; each such call is logged and counted as a fail-open allow.</summary>
    Open,
}
