using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Pins;
using Portcullis.Storage.Policies;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Redis;
using Portcullis.Storage.Sessions;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.State;

/// <summary>
/// Every store a gateway uses, opened from the configuration: all in memory, all in one SQLite
/// file, or counters, sessions and change messages in Redis with grants, policy versions,
/// approvals, pinned tool definitions and audit in PostgreSQL (schema migrated at opening).
/// </summary>
public sealed class GatewayState : IAsyncDisposable
{
    /// <summary>How long a Redis command may take before it counts as an outage.</summary>
    public static readonly TimeSpan RedisCommandTimeout = TimeSpan.FromMilliseconds(250);

    private readonly IAsyncDisposable[] _connections;

    private GatewayState(IGrantStore? grants, ICounterStore counters, ISessionStore sessions, IPolicyStore policies, IAuditStore audit, IApprovalStore approvals,
        IToolPinStore pins, IChangeFeed? changes, params IAsyncDisposable[] connections)
    {
        Pins = pins;
        Audit = audit;
        Approvals = approvals;
        Grants = grants;
        Counters = counters;
        Sessions = sessions;
        Policies = policies;
        Changes = changes;
        _connections = connections;
    }

    /// <summary>Run-time grants; null for the memory store, which keeps none.</summary>
    public IGrantStore? Grants { get; }

    /// <summary>Limit counters.</summary>
    public ICounterStore Counters { get; }

    /// <summary>Client sessions.</summary>
    public ISessionStore Sessions { get; }

    /// <summary>Policy versions.</summary>
    public IPolicyStore Policies { get; }

    /// <summary>Approvals of held calls.</summary>
    public IApprovalStore Approvals { get; }

    /// <summary>Pinned tool definitions.</summary>
    public IToolPinStore Pins { get; }

    /// <summary>Audit records.</summary>
    public IAuditStore Audit { get; }

    /// <summary>Messages between instances; null when only one process uses the store.</summary>
    public IChangeFeed? Changes { get; }

    /// <summary>
    /// Opens the stores of <paramref name="store"/>. Fails with <see cref="Portcullis.Storage.StoreUnavailableException"/>
    /// when PostgreSQL cannot be reached; Redis may be down at opening and is connected to when it comes up.
    /// </summary>
    /// <param name="store">The configured store.</param>
    /// <param name="sessionRetention">How long an unused session may stay in a store that expires keys by itself.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    public static async Task<GatewayState> OpenAsync(StoreConfig store, TimeSpan sessionRetention, TimeProvider timeProvider,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.SqlitePath is { } path)
        {
            return new GatewayState(new SqliteGrantStore(path), new SqliteCounterStore(path, timeProvider), new SqliteSessionStore(path),
                new SqlitePolicyStore(path), new SqliteAuditStore(path), new SqliteApprovalStore(path),
                new SqliteToolPinStore(path), changes: null);
        }

        if (!store.IsDistributed)
        {
            return new GatewayState(null, new InMemoryCounterStore(timeProvider), new InMemorySessionStore(), new InMemoryPolicyStore(), new InMemoryAuditStore(),
                new InMemoryApprovalStore(), new InMemoryToolPinStore(), changes: null);
        }

        var database = await PostgresDatabase.OpenAsync(store.PostgresUrl!, cancellationToken).ConfigureAwait(false);
        RedisConnection redis;
        try
        {
            redis = await RedisConnection.ConnectAsync(store.RedisUrl!, RedisCommandTimeout).ConfigureAwait(false);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new GatewayState(new PostgresGrantStore(database), new RedisCounterStore(redis), new RedisSessionStore(redis, sessionRetention),
            new PostgresPolicyStore(database), new PostgresAuditStore(database), new PostgresApprovalStore(database),
            new PostgresToolPinStore(database), new RedisChangeFeed(redis), redis, database);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
