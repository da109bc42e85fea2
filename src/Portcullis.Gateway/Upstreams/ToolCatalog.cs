using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Policy.Validation;
using Portcullis.Storage;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// Each upstream's tool definitions, for <c>validate_args</c>: read over the calling session the
/// first time a validated call needs them (every page), kept until the server announces
/// <c>notifications/tools/list_changed</c> on any session this gateway relays, then read afresh
/// by the next validated call. Instances sharing a store tell each other of the announcement.
/// </summary>
internal sealed class ToolCatalog(IChangeFeed? changes, ILogger<ToolCatalog> logger) : IDisposable
{
    public const string ChangeTopic = "tools";

    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ServerTools> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Action<string>> _observers = new(StringComparer.Ordinal);
    private int _subscribed;

    /// <summary>The tool's input schema as the server advertises it now, or why there is none.</summary>
    public async ValueTask<ServerToolSchema> SchemaOfAsync(UpstreamHttpSession upstream, string toolName, CancellationToken cancellationToken)
    {
        await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
        var serverId = upstream.Server.Id;
        var tools = _servers.GetOrAdd(serverId, _ => new ServerTools());
        if (tools.Current is { } current)
        {
            return current.SchemaOf(toolName);
        }

        await tools.Reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (tools.Current is { } readMeanwhile)
            {
                return readMeanwhile.SchemaOf(toolName);
            }

            var generation = Volatile.Read(ref tools.Generation);
            ToolDefinitions definitions;
            try
            {
                definitions = await ToolListReader.ReadAsync(upstream, s_readTimeout, message => Observe(serverId, message), cancellationToken).ConfigureAwait(false);
            }
            catch (ToolListException e)
            {
                // Not kept: the next validated call tries again.
                Log.ToolListFailed(logger, serverId, e.Message);
                return ServerToolSchema.Unavailable($"the server's tool list could not be read ({e.Message})");
            }

            Log.ToolListRead(logger, serverId, definitions.Count);
            // A change announced while reading may not be in what was read: use it for this
            // call, but let the next one read again.
            if (Volatile.Read(ref tools.Generation) == generation)
            {
                tools.Current = definitions;
            }

            return definitions.SchemaOf(toolName);
        }
        finally
        {
            tools.Reading.Release();
        }
    }

    /// <summary>Forgets the server's definitions here; the next validated call reads them again.</summary>
    public void Forget(string serverId)
    {
        if (_servers.TryGetValue(serverId, out var tools))
        {
            Interlocked.Increment(ref tools.Generation);
            tools.Current = null;
        }
    }

    /// <summary>
    /// Looks at one message the server sent (relayed to a client or not): a
    /// <c>notifications/tools/list_changed</c> makes every instance forget the server's definitions.
    /// </summary>
    public void Observe(string serverId, ReadOnlySpan<byte> message)
    {
        if (message.IndexOf("notifications/tools/list_changed"u8) < 0 || !IsToolsListChanged(message))
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

    /// <summary>An observer of the server's SSE messages for the relay, made once per server.</summary>
    public Action<string> ObserverFor(string serverId) =>
        _observers.GetOrAdd(serverId, id => message =>
        {
            if (message.Contains("notifications/tools/list_changed", StringComparison.Ordinal))
            {
                Observe(id, System.Text.Encoding.UTF8.GetBytes(message));
            }
        });

    private static bool IsToolsListChanged(ReadOnlySpan<byte> message)
    {
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
        foreach (var tools in _servers.Values)
        {
            tools.Dispose();
        }
    }

    /// <summary>One server's definitions and the lock that lets one call at a time read them.</summary>
    private sealed class ServerTools : IDisposable
    {
        public readonly SemaphoreSlim Reading = new(1, 1);
        public volatile ToolDefinitions? Current;
        public int Generation;

        public void Dispose() => Reading.Dispose();
    }
}
