using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Pinning;
using Portcullis.Policy.Validation;
using Portcullis.Storage;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// Each upstream's tool definitions, for <c>validate_args</c> and pinning: read over the calling
/// session the first time a call needs them (every page), kept until the server announces
/// <c>notifications/tools/list_changed</c> on any session this gateway relays, then read afresh.
/// Every list read is checked against the server's pins (<see cref="ToolPins"/>); for a server
/// that pins, an announced change is read at once over the session it was announced on, so a
/// changed definition is quarantined and recorded before anyone asks. Instances sharing a store
/// tell each other of the announcement.
/// </summary>
internal sealed class ToolCatalog(IChangeFeed? changes, ToolPins pins, ILogger<ToolCatalog> logger) : IDisposable
{
    public const string ChangeTopic = "tools";

    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ServerTools> _servers = new(StringComparer.Ordinal);
    private int _subscribed;
    private volatile bool _disposed;

    /// <summary>The pins every list read is checked against.</summary>
    public ToolPins Pins => pins;

    /// <summary>The definitions a decision asks for on <paramref name="upstream"/>'s session, read over it when none are kept.</summary>
    public IToolDefinitionSource SourceFor(UpstreamHttpSession upstream) => new SessionSource(this, upstream);

    /// <summary>The server's tool definitions as it advertises them now (read if none are kept), or why they could not be read.</summary>
    public async ValueTask<(ToolDefinitions? Definitions, string? Problem)> DefinitionsAsync(UpstreamHttpSession upstream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
        var serverId = upstream.Server.Id;
        var tools = _servers.GetOrAdd(serverId, _ => new ServerTools());
        if (tools.Current is { } current)
        {
            return (current, null);
        }

        await tools.Reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (tools.Current is { } readMeanwhile)
            {
                return (readMeanwhile, null);
            }

            var generation = Volatile.Read(ref tools.Generation);
            ToolDefinitions definitions;
            try
            {
                definitions = await ToolListReader.ReadAsync(upstream, s_readTimeout, message => Observe(serverId, message), cancellationToken).ConfigureAwait(false);
            }
            catch (ToolListException e)
            {
                // Not kept: the next call tries again.
                Log.ToolListFailed(logger, serverId, e.Message);
                return (null, e.Message);
            }

            Log.ToolListRead(logger, serverId, definitions.Count);
            // Checked here so a change is recorded (and quarantined) whoever asked for the list.
            await pins.QuarantinedAsync(upstream.Server, definitions.Definitions, cancellationToken).ConfigureAwait(false);

            // A change announced while reading may not be in what was read: use it for this call,
            // but let the next one read again.
            if (Volatile.Read(ref tools.Generation) == generation)
            {
                tools.Current = definitions;
            }

            return (definitions, null);
        }
        finally
        {
            tools.Reading.Release();
        }
    }

    /// <summary>Forgets the server's definitions here; the next validated call reads them again.</summary>
    public void Forget(string serverId)
    {
        pins.Forget(serverId);
        if (_servers.TryGetValue(serverId, out var tools))
        {
            Interlocked.Increment(ref tools.Generation);
            tools.Current = null;
        }
    }

    /// <summary>
    /// Looks at the tools a relayed <c>tools/list</c> page shows: when one differs from the
    /// definitions kept here (a server that changed without announcing it), they are forgotten, so
    /// the next call is judged by what the server advertises now.
    /// </summary>
    public void Notice(string serverId, IEnumerable<PinnedDefinition> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        if (!_servers.TryGetValue(serverId, out var tools) || tools.Current is not { } current)
        {
            return;
        }

        if (listed.Any(tool => current.DefinitionOf(tool.Name)?.Hash != tool.Hash))
        {
            Forget(serverId);
        }
    }

    /// <summary>
    /// Looks at one message the server sent (relayed to a client or not): a
    /// <c>notifications/tools/list_changed</c> makes every instance forget the server's definitions.
    /// </summary>
    public void Observe(string serverId, ReadOnlySpan<byte> message)
    {
        if (!IsToolsListChanged(message))
        {
            return;
        }

        Log.ToolListChanged(logger, serverId);
        Forget(serverId);
        if (changes is not null)
        {
            _ = PublishAsync(changes, serverId);
        }
    }

    /// <summary>
    /// Looks at one message the server sent on a client's session <paramref name="upstream"/>:
    /// after a <c>notifications/tools/list_changed</c>, a server that pins has its list read again
    /// at once over that session (once, however many announcements arrive meanwhile).
    /// </summary>
    public void Observe(UpstreamHttpSession upstream, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if (!IsToolsListChanged(message))
        {
            return;
        }

        Observe(upstream.Server.Id, message);
        if (upstream.Server.Pinning != Configuration.PinningMode.Off)
        {
            var tools = _servers.GetOrAdd(upstream.Server.Id, _ => new ServerTools());
            if (Interlocked.CompareExchange(ref tools.Refreshing, 1, 0) == 0)
            {
                _ = RefreshAsync(upstream, tools);
            }
        }
    }

    /// <summary>An observer of the server's SSE messages on one client's session, for the relay.</summary>
    public Action<string> ObserverFor(UpstreamHttpSession upstream) => message =>
    {
        if (message.Contains("notifications/tools/list_changed", StringComparison.Ordinal))
        {
            Observe(upstream, System.Text.Encoding.UTF8.GetBytes(message));
        }
    };

    private async Task RefreshAsync(UpstreamHttpSession upstream, ServerTools tools)
    {
        try
        {
            await Task.Yield();
            await DefinitionsAsync(upstream, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or StoreUnavailableException)
        {
            // Shutting down, or the store is down: the next call or list checks again.
            if (!_disposed)
            {
                Log.ToolListFailed(logger, upstream.Server.Id, "refreshing after a change: " + e.Message);
            }
        }
        finally
        {
            Volatile.Write(ref tools.Refreshing, 0);
        }
    }

    private static bool IsToolsListChanged(ReadOnlySpan<byte> message)
    {
        if (message.IndexOf("notifications/tools/list_changed"u8) < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(message);
        try
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("method", out var method)
                && method.ValueKind == JsonValueKind.String
                && method.ValueEquals("notifications/tools/list_changed");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task PublishAsync(IChangeFeed feed, string serverId)
    {
        try
        {
            await feed.PublishAsync(ChangeTopic, serverId).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            // Other instances keep their definitions until one of their own sessions hears the change.
            Log.ToolListFailed(logger, serverId, "could not tell other instances of the change: " + e.Message);
        }
    }

    private async Task SubscribeOnceAsync(CancellationToken cancellationToken)
    {
        if (changes is null || Interlocked.CompareExchange(ref _subscribed, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await changes.SubscribeAsync(ChangeTopic, Forget, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            Volatile.Write(ref _subscribed, 0); // Try again with the next validated call.
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var tools in _servers.Values)
        {
            tools.Dispose();
        }
    }

    /// <summary>One server's definitions and the lock that lets one call at a time read them.</summary>
    private sealed class SessionSource(ToolCatalog catalog, UpstreamHttpSession upstream) : IToolDefinitionSource
    {
        public ValueTask<(ToolDefinitions? Definitions, string? Problem)> DefinitionsAsync(CancellationToken cancellationToken) =>
            catalog.DefinitionsAsync(upstream, cancellationToken);
    }

    private sealed class ServerTools : IDisposable
    {
        public readonly SemaphoreSlim Reading = new(1, 1);
        public volatile ToolDefinitions? Current;
        public int Generation;
        public int Refreshing;

        public void Dispose() => Reading.Dispose();
    }
}
