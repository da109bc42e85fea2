using System.Buffers;
using System.Diagnostics;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.State;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage;

namespace Portcullis.Gateway.Stdio;

/// <summary>
/// The gateway as a stdio MCP server, for desktop clients that launch a command: reads one
/// JSON-RPC message per line from standard input, applies the same checks and policy as the
/// HTTP front, talks Streamable HTTP to the upstream, and writes every answer as one line.
/// </summary>
internal sealed class StdioGateway : IAsyncDisposable
{
    /// <summary>What refusal records name as the client of this front.</summary>
    private const string Client = "stdio";

    private readonly UpstreamServerConfig _server;
    private readonly Grant _grant;
    private readonly PolicyRegistry _policies;
    private readonly ToolCallGate _gate;
    private readonly UpstreamHttpSession _upstream;
    private readonly IToolDefinitionSource _toolSource;
    private readonly IHost _host;
    private readonly Stream _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private readonly CancellationTokenSource _inputEnded = new();
    private readonly string _sessionId = "pcs_" + GrantRegistry.Base64Url(RandomNumberGenerator.GetBytes(32));
    private readonly ToolCatalog _tools;
    private readonly UpstreamGuards _guards;
    private readonly int _maxArgumentDepth;
    private readonly ILogger _logger;
    private readonly RefusalRecorder _refusals;
    private Task? _listener;
    private bool _started;

    private StdioGateway(IHost host, UpstreamServerConfig server, Grant grant, Stream output)
    {
        var services = host.Services;
        _host = host;
        _server = server;
        _grant = grant;
        _output = output;
        _maxArgumentDepth = services.GetRequiredService<GatewayConfig>().MaxArgumentDepth;
        _policies = services.GetRequiredService<PolicyRegistry>();
        _gate = services.GetRequiredService<ToolCallGate>();
        _tools = services.GetRequiredService<ToolCatalog>();
        _guards = services.GetRequiredService<UpstreamGuards>();
        _refusals = services.GetRequiredService<RefusalRecorder>();
        _logger = services.GetRequiredService<ILogger<StdioGateway>>();
        _upstream = new UpstreamHttpSession(services.GetRequiredService<UpstreamClients>().For(server), server);
        _toolSource = _tools.SourceFor(_upstream);
    }

    /// <summary>
    /// Prepares a stdio gateway for one server and grant. Returns null with a message when the
    /// server does not exist or the token is not a live grant for it.
    /// </summary>
    public static async Task<(StdioGateway? Gateway, string? Problem)> CreateAsync(GatewayConfig config, StoreOpener openStores, string serverId, string token,
        Stream output, ILoggerFactory loggerFactory, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(openStores);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var server = config.Servers.FirstOrDefault(s => s.Id == serverId);
        if (server is null)
        {
            return (null, $"No server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
        }

        if (config.ProblemsForServing(serverId) is { Count: > 0 } problems)
        {
            return (null, $"Server '{serverId}' cannot be served: {string.Join("; ", problems)}");
        }

        var stores = await openStores(config.Store, GatewayApp.SessionRetention(config), timeProvider, cancellationToken).ConfigureAwait(false);
        IHost host;
        try
        {
            // The same services as the HTTP front, wired by the same registration, on a host without Kestrel.
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddSingleton(timeProvider);
            builder.Services.AddSingleton<IHostLifetime, StdioHostLifetime>();
            builder.Services.AddPortcullisCore(config with { Servers = [server] }, stores, "stdio");
            host = builder.Build();
        }
        catch
        {
            await stores.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            // Resolved first, so the container disposes the stores after the audit log, whose last records go to them.
            _ = host.Services.GetRequiredService<StoreSet>();
            var check = await host.Services.GetRequiredService<GrantRegistry>().CheckAsync("Bearer " + token, serverId, cancellationToken).ConfigureAwait(false);
            if (check.RefusalFor(serverId) is { } problem)
            {
                await DisposeHostAsync(host).ConfigureAwait(false);
                var notChecked = config.UnsetSecrets.Where(s => s.Path.StartsWith("/grants/", StringComparison.Ordinal)).ToList();
                return (null, notChecked.Count == 0 ? problem
                    : $"{problem} Grants of the configuration whose token variable is not set here were not checked: {string.Join("; ", notChecked)}");
            }

            await host.Services.GetRequiredService<PolicyRegistry>().InitializeAsync(cancellationToken).ConfigureAwait(false);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return (new StdioGateway(host, server, check.Grant!, output), null);
        }
        catch
        {
            await DisposeHostAsync(host).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Serves until standard input ends or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(TextReader input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!_started)
            {
                // The first message is initialize: everything after it needs the upstream session it opens.
                _started = true;
                await HandleLineAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Each later message is handled on its own so a long tool call never blocks the client's
            // answers to the server's requests (sampling, elicitation) that arrive meanwhile.
            var task = HandleLineAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
            _inFlight[task] = true;
            _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
        }

        // The client is gone: a held call can no longer be answered, so its approval is withdrawn
        // (and recorded) rather than left pending until it times out; forwarded calls finish and are recorded.
        await _inputEnded.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_inFlight.Keys).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _upstream.CloseAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Log.UpstreamFailed(_logger, _server.Id, e.Message);
        }

        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await DisposeHostAsync(_host).ConfigureAwait(false);
        _writeLock.Dispose();
        _inputEnded.Dispose();
    }

    private static async ValueTask DisposeHostAsync(IHost host)
    {
        if (host is IAsyncDisposable asyncHost)
        {
            await asyncHost.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }

    /// <summary>
    /// Handles one line; anything it did not expect becomes a JSON-RPC -32603 with a reference to
    /// grep in the log (and a refusal record), never a dead process or a silently dropped message.
    /// </summary>
    private async Task HandleLineAsync(byte[] line, CancellationToken cancellationToken)
    {
        try
        {
            await HandleMessageAsync(line, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(cancellationToken.IsCancellationRequested && e is OperationCanceledException) && e is not OutOfMemoryException)
        {
            var reference = "err_" + Guid.CreateVersion7().ToString("N")[..16];
            Log.UnexpectedFailure(_logger, e, reference, _server.Id);
            var error = new GatewayError(GatewayFailure.Internal, $"The gateway could not handle this request; reference {reference} in its log.");
            try
            {
                await RefuseAsync(error, method: null, default, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception writeFailure) when (writeFailure is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Standard output is gone: nobody is left to tell.
            }
        }
    }

    private async Task HandleMessageAsync(byte[] line, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var message = JsonRpcMessage.TryParse(line, _maxArgumentDepth, out var parseError);
        if (message is null)
        {
            await RefuseAsync(parseError!, method: null, default, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var span = message.Method == "tools/call" ? Diagnostics.GatewayTelemetry.StartToolCall(message, _server.Id, _sessionId) : null;
        var origin = new CallOrigin(_grant, _server, _sessionId, Client, startedAt);
        var ticket = await _gate.AdmitAsync(_policies.Current(_server.Id), message, origin, _toolSource, cancellationToken).ConfigureAwait(false);
        await using var ending = ticket.ConfigureAwait(false);
        if (ticket.Outcome == ToolCallOutcome.Hold)
        {
            var hold = ticket.Hold!;
            var progressToken = HeldCallMessages.ProgressToken(message);
            using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _inputEnded.Token);
            await ticket.WaitForApprovalAsync(beat => beat > 0 && progressToken is { } token
                    ? WriteAsync(writer => HeldCallMessages.WriteProgress(writer, token, beat, hold), cancellationToken)
                    : Task.CompletedTask,
                clientGone.Token).ConfigureAwait(false);
        }

        switch (ticket.Outcome)
        {
            case ToolCallOutcome.Error:
                await WriteAsync(writer => ticket.Error!.Write(writer, message.Id), cancellationToken).ConfigureAwait(false);
                return;
            case ToolCallOutcome.Deny:
                await WriteAsync(writer => DenialResult.Write(writer, message.Id, ticket.Denial!.Value), cancellationToken).ConfigureAwait(false);
                return;
        }

        var exchange = ticket.Upstream;
        var filter = new AnswerFilter(message.Kind == JsonRpcKind.Request ? message.Id : default, ticket.ListRewriter, _gate.MethodsOf(_server),
            _server.Limits.MaxResponseDepth, ticket.InitializeRewriter);
        exchange.Start();
        var failure = await _guards.RunAsync(_server, async token =>
        {
            await foreach (var answer in _upstream.SendAsync(line, message.Method == "initialize", token).ConfigureAwait(false))
            {
                exchange.Answered(StatusCodes.Status200OK);
                await filter.PrepareAsync(answer, token).ConfigureAwait(false);
                if (filter.Inspect(answer) == AnswerVerdict.Drop)
                {
                    Log.AnswerDropped(_logger, _server.Id, filter.DropReason ?? "");
                    continue;
                }

                _tools.Observe(_upstream, answer);
                await WriteRawAsync(filter.Output, token).ConfigureAwait(false);
                if (filter.ExpectsAnswer && filter.Answered)
                {
                    break;
                }
            }

            exchange.Answered(StatusCodes.Status200OK);
            if (filter.ExpectsAnswer && !filter.Answered)
            {
                throw new UpstreamAnswerException(UpstreamFault.NotJsonRpc, "the answer ended without a response to the request");
            }
        }, cancellationToken).ConfigureAwait(false);
        exchange.Stop();
        if (failure is not null)
        {
            exchange.Failed(failure);
            Log.UpstreamFailed(_logger, _server.Id, failure.Detail);
            if (message.Kind == JsonRpcKind.Request)
            {
                await WriteAsync(writer => failure.ToError(_server.Id).Write(writer, message.Id), cancellationToken).ConfigureAwait(false);
            }
        }

        if (message.Method == "notifications/initialized" && _listener is null)
        {
            _listener = ListenAsync(cancellationToken);
        }
    }

    /// <summary>Relays messages the upstream starts on its GET stream (requests, notifications) to the client.</summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var filter = new AnswerFilter(default, rewriter: null, _gate.MethodsOf(_server), _server.Limits.MaxResponseDepth);
            await foreach (var message in _upstream.ListenAsync(cancellationToken).ConfigureAwait(false))
            {
                if (filter.Inspect(message) == AnswerVerdict.Drop)
                {
                    Log.AnswerDropped(_logger, _server.Id, filter.DropReason ?? "");
                    continue;
                }

                _tools.Observe(_upstream, message);
                await WriteRawAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or UpstreamAnswerException)
        {
            Log.UpstreamFailed(_logger, _server.Id, "GET stream ended: " + e.Message);
        }
    }

    /// <summary>Answers <paramref name="error"/> and records the refusal.</summary>
    private async Task RefuseAsync(GatewayError error, string? method, JsonElement id, CancellationToken cancellationToken)
    {
        await _refusals.RecordAsync(error, new Refusal { Server = _server.Id, Grant = _grant.Name, Method = method, Client = Client })
            .ConfigureAwait(false);
        await WriteAsync(writer => error.Write(writer, id), cancellationToken).ConfigureAwait(false);
    }

    private Task WriteAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return WriteRawAsync(buffer.WrittenMemory, cancellationToken);
    }

    private async Task WriteRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.Span.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            // stdio frames are lines: re-serialise a message that spans several (pretty-printed JSON).
            using var document = JsonDocument.Parse(message);
            message = JsonSerializer.SerializeToUtf8Bytes(document.RootElement);
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await _output.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
