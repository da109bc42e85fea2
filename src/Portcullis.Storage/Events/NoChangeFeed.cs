namespace Portcullis.Storage.Events;

/// <summary>
/// The change feed of stores without a message channel (memory, SQLite): publishing goes nowhere
/// and subscribers are never called, so they learn of changes by polling the store.
/// </summary>
public sealed class NoChangeFeed : IChangeFeed
{
    private NoChangeFeed()
    {
    }

    /// <summary>The one instance.</summary>
    public static NoChangeFeed Instance { get; } = new();

    /// <inheritdoc />
    public bool Delivers => false;

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string message, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask SubscribeAsync(string topic, Action<string> handler, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
