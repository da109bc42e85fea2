using Portcullis.Storage.Events;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Sessions;

namespace Portcullis.Storage.Redis;

/// <summary>
/// The stores Redis holds for gateway instances that share state: limit counters, client sessions
/// and change messages, over one connection. Combined with stores of another backend (grants,
/// policy versions, approvals, pins, audit) to make a <see cref="StoreSet"/>.
/// </summary>
public sealed class RedisStores : IAsyncDisposable
{
    /// <summary>How long a Redis command may take before it counts as an outage.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMilliseconds(250);

    private readonly RedisConnection _connection;

    private RedisStores(RedisConnection connection, TimeSpan sessionRetention)
    {
        _connection = connection;
        Counters = new RedisCounterStore(connection);
        Sessions = new RedisSessionStore(connection, sessionRetention);
        Changes = new RedisChangeFeed(connection);
    }

    /// <summary>Limit counters.</summary>
    public ICounterStore Counters { get; }

    /// <summary>Client sessions, expired by Redis after their retention.</summary>
    public ISessionStore Sessions { get; }

    /// <summary>Messages between instances over Redis pub/sub.</summary>
    public IChangeFeed Changes { get; }

    /// <summary>
    /// Connects to <paramref name="address"/> (see <see cref="RedisConnection.ConnectAsync"/>). Does
    /// not fail when Redis is down: the connection is made when it comes up, and commands meanwhile
    /// report an unavailable store.
    /// </summary>
    /// <param name="address">The Redis address.</param>
    /// <param name="sessionRetention">How long an unused session stays before Redis expires it.</param>
    public static async Task<RedisStores> ConnectAsync(string address, TimeSpan sessionRetention) =>
        new(await RedisConnection.ConnectAsync(address, CommandTimeout).ConfigureAwait(false), sessionRetention);

    /// <summary>Whether <paramref name="address"/> can be read as a Redis address; <paramref name="problem"/> says what is wrong when not.</summary>
    public static bool TryValidate(string address, out string? problem) => RedisConnection.TryValidate(address, out problem);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
