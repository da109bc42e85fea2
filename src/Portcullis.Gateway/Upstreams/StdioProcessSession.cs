using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// One stdio upstream process serving one gateway session: messages go to its standard input one
/// per line; what it writes is routed back — a response to the request that awaits it, a
/// progress notification to the request that carries its token, anything else to the oldest
/// request still running or, when none is, to the session's GET stream.
/// </summary>
internal sealed class StdioProcessSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, Channel<byte[]>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _progressTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ILogger _logger;
    private readonly string _serverId;
    private readonly Task _pump;
    private volatile bool _stopping;

    private StdioProcessSession(Process process, string serverId, ILogger logger)
    {
        _process = process;
        _serverId = serverId;
        _logger = logger;
        _pump = PumpOutputAsync();
        _ = DrainErrorsAsync();
    }

    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Messages the server started while no request was running.</summary>
    public Channel<byte[]> Unsolicited { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });

    public bool HasExited => _process.HasExited;

    /// <summary>Completes once the process's output has ended and its waiting requests have been answered.</summary>
    public Task Completion => _pump;

    public static StdioProcessSession Start(UpstreamServerConfig server, ILogger logger)
    {
        var start = new ProcessStartInfo(server.Command!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in server.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The gateway's own secrets (grant tokens, upstream credentials) stay out of the child.
        start.Environment.Clear();
        foreach (var name in new[] { "PATH", "HOME", "LANG" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                start.Environment[name] = value;
            }
        }

        foreach (var (name, value) in server.Environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"'{server.Command}' did not start.");
        return new StdioProcessSession(process, server.Id, logger);
    }

    /// <summary>Sends a request and returns the channel its answer (and related messages) arrive on.</summary>
    public async Task<ChannelReader<byte[]>> SendRequestAsync(ReadOnlyMemory<byte> message, string id, string? progressToken, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        _pending[id] = channel;
        _order.Enqueue(id);
        if (progressToken is not null)
        {
            _progressTokens[progressToken] = id;
        }

        await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return channel.Reader;
    }

    /// <summary>Writes one message (a request, notification or response) as a line.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var input = _process.StandardInput.BaseStream;
            await input.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await input.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _stopping = true;
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        await _pump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        _process.Dispose();
        _writeLock.Dispose();
    }

    private async Task PumpOutputAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    Route(Encoding.UTF8.GetBytes(line));
                }
            }
        }
        catch (IOException)
        {
            // The process went away: handled below like a normal exit.
        }

        if (_stopping)
        {
            Log.StdioProcessStopped(_logger, _serverId);
        }
        else
        {
            Log.UpstreamFailed(_logger, _serverId, "stdio process exited unexpectedly" + await ExitCodeAsync().ConfigureAwait(false));
        }

        foreach (var (id, channel) in _pending)
        {
            var error = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32003,\"message\":"
                + JsonSerializer.Serialize($"Upstream server '{_serverId}' exited before answering.") + "}}";
            channel.Writer.TryWrite(Encoding.UTF8.GetBytes(error));
            channel.Writer.TryComplete();
        }

        Unsolicited.Writer.TryComplete();
    }

    private async Task<string> ExitCodeAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return $" (exit code {_process.ExitCode})";
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            return "";
        }
    }

    private void Route(byte[] message)
    {
        string? responseId = null;
        string? progressToken = null;
        try
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (!root.TryGetProperty("method", out var method) && root.TryGetProperty("id", out var id))
            {
                responseId = id.GetRawText();
            }
            else if (method.ValueKind == JsonValueKind.String && method.ValueEquals("notifications/progress")
                && root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("progressToken", out var token))
            {
                progressToken = token.GetRawText();
            }
        }
        catch (JsonException)
        {
            Log.UpstreamFailed(_logger, _serverId, "stdio process wrote a line that is not JSON; dropped");
            return;
        }

        if (responseId is not null)
        {
            if (_pending.TryRemove(responseId, out var channel))
            {
                channel.Writer.TryWrite(message);
                channel.Writer.TryComplete();
            }

            return;
        }

        if (progressToken is not null && _progressTokens.TryGetValue(progressToken, out var requestId) && _pending.TryGetValue(requestId, out var progressChannel))
        {
            progressChannel.Writer.TryWrite(message);
            return;
        }

        while (_order.TryPeek(out var oldest) && !_pending.ContainsKey(oldest))
        {
            _order.TryDequeue(out _);
        }

        if (_order.TryPeek(out var running) && _pending.TryGetValue(running, out var runningChannel))
        {
            runningChannel.Writer.TryWrite(message);
        }
        else
        {
            Unsolicited.Writer.TryWrite(message);
        }
    }

    private async Task DrainErrorsAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is not null)
            {
                // Upstream diagnostics are not the gateway's to log verbatim (they may hold secrets).
            }
        }
        catch (IOException)
        {
            // Process ended.
        }
    }
}
