using Portcullis.Storage.Events;
using StackExchange.Redis;

namespace Portcullis.Storage.Redis;

/// <summary>Change messages between gateway instances over Redis pub/sub; subscriptions are renewed after a reconnect.</summary>
public sealed class RedisChangeFeed(RedisConnection connection) : IChangeFeed
{
    private const string ChannelPrefix = "portcullis:";

    /// <inheritdoc />
    public bool Delivers => true;

    /// <inheritdoc />
    public async ValueTask PublishAsync(string topic, string message, CancellationToken cancellationToken = default) =>
        await RedisConnection.GuardAsync(connection.Multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(ChannelPrefix + topic), message)).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask SubscribeAsync(string topic, Action<string> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await RedisConnection.GuardAsync(SubscribeAsync(topic, handler)).ConfigureAwait(false);
    }

    private async Task<bool> SubscribeAsync(string topic, Action<string> handler)
    {
        await connection.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ChannelPrefix + topic), (_, message) => handler(message.ToString())).ConfigureAwait(false);
        return true;
    }
}
