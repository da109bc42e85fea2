using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Redis;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Cli.Stores;

/// <summary>
/// The one place that maps a configured store to its backend: this process's memory, one SQLite
/// file, or Redis (counters, sessions, change messages) with PostgreSQL (grants, policy versions,
/// approvals, pinned tool definitions, audit). A new backend adds a case here and its address check
/// to <see cref="InstallAddressChecks"/>; the gateway itself knows none of them.
/// </summary>
internal static class ConfiguredStores
{
    /// <summary>Makes the configuration reader check Redis and PostgreSQL addresses with the backends' own parsers.</summary>
    public static void InstallAddressChecks() => StoreAddressChecks.Install(RedisStores.TryValidate, PostgresStores.TryValidate);

    /// <summary>
    /// Opens the stores <paramref name="store"/> names (a <see cref="Gateway.State.StoreOpener"/>).
    /// Fails with <see cref="StoreUnavailableException"/> when PostgreSQL cannot be reached; Redis
    /// may be down at opening and is connected to when it comes up.
    /// </summary>
    public static async Task<StoreSet> OpenAsync(StoreConfig store, TimeSpan sessionRetention, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.SqlitePath is { } path)
        {
            return SqliteStores.Open(path, timeProvider);
        }

        if (!store.IsDistributed)
        {
            return StoreSet.InMemory(timeProvider);
        }

        var postgresUrl = store.PostgresUrl ?? throw new ArgumentException("The distributed store names no PostgreSQL database.", nameof(store));
        var postgres = await PostgresStores.OpenAsync(postgresUrl, cancellationToken).ConfigureAwait(false);
        RedisStores redis;
        try
        {
            redis = await RedisStores.ConnectAsync(store.RedisUrl!, sessionRetention).ConfigureAwait(false);
        }
        catch
        {
            await postgres.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new StoreSet
        {
            Grants = postgres.Grants,
            Counters = redis.Counters,
            Sessions = redis.Sessions,
            Policies = postgres.Policies,
            Approvals = postgres.Approvals,
            Pins = postgres.Pins,
            Audit = postgres.Audit,
            Changes = redis.Changes,
            Connections = [redis, postgres],
        };
    }
}
