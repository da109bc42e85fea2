using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests;

/// <summary>How <see cref="MisbehavingUpstream"/> answers <c>tools/list</c>; chosen by the URL the gateway is configured with.</summary>
internal enum ToolListMode
{
    /// <summary>Every tool, properly.</summary>
    Normal,

    /// <summary>A list whose hidden tool's schema nests 300 levels deep.</summary>
    Deep,

    /// <summary>A proper list, answering another request id.</summary>
    WrongId,

    /// <summary>A result without a <c>tools</c> array (the tools under another name).</summary>
    NoTools,

    /// <summary>An empty <c>result</c> beside a full <c>Result</c>, for clients that read names case-insensitively.</summary>
    CaseResult,

    /// <summary>A full list under <c>Tools</c> beside the <c>tools</c> array.</summary>
    CaseTools,

    /// <summary>A "request" carrying the request's id and the full list as its result.</summary>
    MethodWithResult,
}

/// <summary>
/// A Streamable HTTP upstream on real Kestrel that starts sessions and lists its tools properly,
/// then misbehaves on <c>tools/call</c> as broken or hostile servers do, each way under a tool of
/// that name; its <c>tools/list</c> misbehaves when it is reached at <see cref="ListUrl"/>. Every
/// misbehaving answer with a body carries <see cref="Secret"/>, which must never reach a client.
/// It counts the calls each tool received, so tests can tell what reached it.
/// <list type="bullet">
/// <item><c>ok</c> answers properly; <c>slow_ok</c> too, after <c>arguments.delay_ms</c> (1 s unless given); <c>flaky</c> answers HTTP 500 while <see cref="FlakyFails"/>.</item>
/// <item><c>hang</c> never answers; <c>drip</c> opens an event stream and sends keep-alive comments every 200 ms, never an answer.</item>
/// <item><c>html</c> is an HTTP 200 error page; <c>truncated</c> is JSON cut mid-object; <c>wrong_id</c> answers another request; <c>deep</c> nests 300 levels;
/// <c>bad_name</c> has a property name escaping half a surrogate pair; <c>error500</c> is HTTP 500 with a stack trace.</item>
/// <item><c>huge_event</c> is one 3 MiB event; <c>flood</c> one event whose data never ends; <c>comments</c> endless 16 KiB comments.</item>
/// <item><c>reset</c> starts an event, then resets the connection.</item>
/// </list>
/// </summary>
internal sealed class MisbehavingUpstream : IAsyncDisposable
{
    /// <summary>Internals an upstream might let slip in a broken answer (a stack trace line).</summary>
    public const string Secret = "at Internal.Secret.Handler.Run()";

    /// <summary>A tool the policies in front of this server hide; every tool list names it.</summary>
    public const string HiddenTool = "delete_everything";

    /// <summary>The size of the single event <c>huge_event</c> sends.</summary>
    public const int HugeEventBytes = 3 * 1024 * 1024;

    /// <summary>The most <c>flood</c> and <c>comments</c> offer before giving up on being cut off.</summary>
    public const long FloodLimitBytes = 1L << 30;

    public static readonly string[] Tools =
    [
        "ok", "slow_ok", "flaky", "hang", "drip", "html", "truncated", "wrong_id", "huge_event", "flood", "comments", "deep", "bad_name", "reset", "error500",
        HiddenTool,
    ];

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly List<(string Tool, int Count, TaskCompletionSource Reached)> _waiters = [];
    private long _floodBytesSent;
    private volatile bool _flakyFails = true;

    private MisbehavingUpstream(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The endpoint with a proper tool list.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Whether <c>flaky</c> fails (HTTP 500) or answers properly; a switch for a server that recovers.</summary>
    public bool FlakyFails
    {
        get => _flakyFails;
        set => _flakyFails = value;
    }

    /// <summary>How many bytes the last <c>flood</c> or <c>comments</c> answer got out before the gateway hung up.</summary>
    public long FloodBytesSent => Interlocked.Read(ref _floodBytesSent);

    /// <summary>The endpoint whose <c>tools/list</c> answers as <paramref name="mode"/> says.</summary>
    public Uri ListUrl(ToolListMode mode) => mode == ToolListMode.Normal ? Url : new Uri($"{Url}/{mode}");

    /// <summary>How many calls of <paramref name="tool"/> reached the server.</summary>
    public int CallsTo(string tool) => _calls.TryGetValue(tool, out var count) ? count : 0;

    /// <summary>Completes once <paramref name="count"/> calls of <paramref name="tool"/> in all have reached the server.</summary>
    public Task WaitForCallsAsync(string tool, int count, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (CallsTo(tool) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((tool, count, reached));
        }

        return reached.Task.WaitAsync(cancellationToken);
    }

    public static async Task<MisbehavingUpstream> StartAsync()
    {
        var app = LoopbackApp.Create();
        var self = new MisbehavingUpstream(app);
        app.MapMcpEndpoint("/mcp/{mode?}", self.HandleAsync);
        await app.StartAsync();
        self.Url = new Uri(app.ListeningAddress() + "/mcp");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        // Answers that never end would hold up a graceful stop.
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var message = await JsonDocument.ParseAsync(context.Request.Body);
        var root = message.RootElement;
        if (!root.TryGetProperty("id", out var idElement))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = idElement.GetRawText();
        context.Response.Headers["Mcp-Session-Id"] = "misbehaving-session";
        switch (root.GetProperty("method").GetString())
        {
            case "initialize":
                await WriteResultAsync(context, id, """
                    {"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"misbehaving","version":"1.0.0"}}
                    """);
                break;
            case "tools/list":
                var mode = Enum.TryParse<ToolListMode>(context.Request.RouteValues["mode"] as string, out var parsed) ? parsed : ToolListMode.Normal;
                await ListToolsAsync(context, id, mode);
                break;
            case "tools/call":
                var parameters = root.GetProperty("params");
                var tool = parameters.GetProperty("name").GetString()!;
                var arguments = parameters.TryGetProperty("arguments", out var value) && value.ValueKind == JsonValueKind.Object ? value : default;
                Count(tool);
                using (var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token))
                {
                    try
                    {
                        await CallAsync(context, id, tool, arguments, aborted.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException && aborted.IsCancellationRequested)
                    {
                        // The gateway gave up on the answer, as it should.
                    }
                }

                break;
            default:
                await WriteResultAsync(context, id, "{}");
                break;
        }
    }

    private async Task CallAsync(HttpContext context, string id, string tool, JsonElement arguments, CancellationToken aborted)
    {
        switch (tool)
        {
            case "hang":
                await Task.Delay(Timeout.InfiniteTimeSpan, aborted);
                break;
            case "drip":
                await StartEventsAsync(context, aborted);
                while (true)
                {
                    await context.Response.WriteAsync($": keep-alive {Secret}\nx-trace: {Secret}\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    await Task.Delay(TimeSpan.FromMilliseconds(200), aborted);
                }

            case "html":
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync($"<html><body><h1>500 Internal Error</h1><pre>NullReferenceException\n   {Secret}</pre></body></html>", aborted);
                break;
            case "truncated":
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id}},"result":{"content":[{"type":"text","text":"{{Secret}}""", aborted);
                break;
            case "wrong_id":
                await WriteResultAsync(context, "\"not-" + id.Trim('"') + "\"", $$"""{"content":[{"type":"text","text":"{{Secret}}"}]}""");
                break;
            case "huge_event":
                await StartEventsAsync(context, aborted);
                await context.Response.WriteAsync($$"""event: message{{"\n"}}data: {"jsonrpc":"2.0","id":{{id}},"result":{"content":[{"type":"text","text":"{{Secret}} """, aborted);
                await WriteFillerAsync(context, HugeEventBytes, countSent: false, aborted);
                await context.Response.WriteAsync("\"}]}}\n\n", aborted);
                break;
            case "flood":
                // One event whose data line never ends: only a gateway that stops reading at its cap gets rid of it.
                await StartEventsAsync(context, aborted);
                await context.Response.WriteAsync($"event: message\ndata: {Secret} ", aborted);
                await WriteFillerAsync(context, FloodLimitBytes, countSent: true, aborted);
                break;
            case "comments":
                // Small events without data, endlessly: each is harmless, together they are a flood.
                await StartEventsAsync(context, aborted);
                await FloodCommentsAsync(context, aborted);
                break;
            case "deep":
                var nesting = string.Concat(Enumerable.Repeat("[", 300)) + string.Concat(Enumerable.Repeat("]", 300));
                await WriteResultAsync(context, id, $$"""{"content":[{"type":"text","text":"{{Secret}}"}],"structuredContent":{"nested":""" + nesting + "}}");
                break;
            case "bad_name":
                // A property name escaping half a surrogate pair: valid JSON syntax, but no string can be read from it.
                await WriteResultAsync(context, id, $$"""{"content":[{"type":"text","text":"{{Secret}}"}],"\udfff":1}""");
                break;
            case "reset":
                await StartEventsAsync(context, aborted);
                await context.Response.WriteAsync($$"""event: message{{"\n"}}data: {"jsonrpc":"2.0","id":{{id}},"result":{"content":[{"type":"text","text":"{{Secret}}""", aborted);
                await context.Response.Body.FlushAsync(aborted);
                // A reset discards whatever the peer has not read yet: give the gateway time to read the start first.
                await Task.Delay(TimeSpan.FromMilliseconds(200), aborted);
                context.Abort();
                break;
            case "error500":
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync($"Unhandled exception.\n   {Secret}", aborted);
                break;
            case "flaky" when _flakyFails:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsync(Secret, aborted);
                break;
            case "slow_ok":
                var delay = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty("delay_ms", out var ms) ? ms.GetInt32() : 1000;
                await Task.Delay(delay, aborted);
                await WriteResultAsync(context, id, """{"content":[{"type":"text","text":"ok"}]}""");
                break;
            default:
                await WriteResultAsync(context, id, $$"""{"content":[{"type":"text","text":"ok from {{tool}}"}]}""");
                break;
        }
    }

    private static async Task ListToolsAsync(HttpContext context, string id, ToolListMode mode)
    {
        var tools = string.Join(",", Tools.Select(name => name == HiddenTool && mode == ToolListMode.Deep
            ? $$"""{"name":"{{name}}","inputSchema":{"type":"object","properties":{"a":""" + Nested(300) + "}}}"
            : $$"""{"name":"{{name}}","inputSchema":{"type":"object"}""" + "}"));
        switch (mode)
        {
            case ToolListMode.WrongId:
                await WriteResultAsync(context, "\"list-" + id.Trim('"') + "\"", $$"""{"tools":[{{tools}}]}""");
                break;
            case ToolListMode.NoTools:
                await WriteResultAsync(context, id, $$"""{"toolz":[{{tools}}]}""");
                break;
            case ToolListMode.CaseResult:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id}},"result":{"tools":[]},"Result":{"tools":[{{tools}}]""" + "}}");
                break;
            case ToolListMode.CaseTools:
                await WriteResultAsync(context, id, $$"""{"tools":[],"Tools":[{{tools}}]}""");
                break;
            case ToolListMode.MethodWithResult:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"ping","result":{"tools":[{{tools}}]""" + "}}");
                break;
            default:
                await WriteResultAsync(context, id, $$"""{"tools":[{{tools}}]}""");
                break;
        }
    }

    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("""{"type":"object","properties":{"a":""", depth)) + "{}" + string.Concat(Enumerable.Repeat("}}", depth));

    private async Task WriteFillerAsync(HttpContext context, long bytes, bool countSent, CancellationToken aborted)
    {
        var chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
        if (countSent)
        {
            Interlocked.Exchange(ref _floodBytesSent, 0);
        }

        for (long sent = 0; sent < bytes && !aborted.IsCancellationRequested; sent += chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk, aborted);
            if (countSent)
            {
                Interlocked.Add(ref _floodBytesSent, chunk.Length);
            }

            await PaceAsync(sent, aborted);
        }
    }

    /// <summary>
    /// Pauses briefly after each MiB: once the gateway hangs up, writes complete without sending
    /// anything, and only a pause lets the news (<see cref="HttpContext.RequestAborted"/>) arrive
    /// before a loop of them has counted its whole offer as sent.
    /// </summary>
    private static Task PaceAsync(long sent, CancellationToken aborted) =>
        sent % (1024 * 1024) == 0 ? Task.Delay(TimeSpan.FromMilliseconds(1), aborted) : Task.CompletedTask;

    private async Task FloodCommentsAsync(HttpContext context, CancellationToken aborted)
    {
        var comment = Encoding.ASCII.GetBytes(": " + new string('c', (16 * 1024) - 4) + "\n\n");
        Interlocked.Exchange(ref _floodBytesSent, 0);
        for (long sent = 0; sent < FloodLimitBytes && !aborted.IsCancellationRequested; sent += comment.Length)
        {
            await context.Response.Body.WriteAsync(comment, aborted);
            Interlocked.Add(ref _floodBytesSent, comment.Length);
            await PaceAsync(sent, aborted);
        }
    }

    private static async Task StartEventsAsync(HttpContext context, CancellationToken aborted)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private void Count(string tool)
    {
        var count = _calls.AddOrUpdate(tool, 1, (_, previous) => previous + 1);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Tool == tool && count >= w.Count).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static Task WriteResultAsync(HttpContext context, string id, string result)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id}},"result":{{result.Trim()}}}""");
    }
}
