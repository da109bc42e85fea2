namespace Portcullis.Storage.Events;

/// <summary>
/// Messages between gateway instances that share a store (policy saved, session ended, approval
/// decided), so each instance learns of a change within a second instead of at its next poll.
/// Delivery is best effort: subscribers also poll the store, so a lost message only delays.
/// </summary>
public interface IChangeFeed
{
    /// <summary>
    /// Whether messages are delivered at all; false for stores without a message channel
    /// (memory, SQLite), whose readers learn of changes by polling alone.
    /// </summary>
    bool Delivers { get; }

    /// <summary>Tells every subscribed instance (this one included) about a change.</summary>
    ValueTask PublishAsync(string topic, string message, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="handler"/> for every message published on <paramref name="topic"/> from now on.</summary>
    ValueTask SubscribeAsync(string topic, Action<string> handler, CancellationToken cancellationToken = default);
}
