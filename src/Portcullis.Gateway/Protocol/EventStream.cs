using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portcullis.Gateway.Protocol;

/// <summary>
/// The gateway's own Server-Sent Events answer to a POST, used while a call is held for approval:
/// opened at once so the client and any proxy see a live response, kept alive with comments (and
/// progress notifications when the client asked for them), then continued with the final answer.
/// </summary>
internal static class EventStream
{
    private static readonly byte[] s_messageEventStart = "event: message\ndata: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();

    /// <summary>Whether the client accepts an event stream answer.</summary>
    public static bool Accepted(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sends the headers of an event stream answer and a first comment.</summary>
    public static async Task StartAsync(HttpContext context, string comment)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache, no-transform";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await CommentAsync(context, comment).ConfigureAwait(false);
    }

    /// <summary>Writes a comment line, which clients ignore and which keeps connections from idling out.</summary>
    public static async Task CommentAsync(HttpContext context, string comment)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($": {comment.Replace('\n', ' ')}\n\n"), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes one JSON-RPC message as a <c>message</c> event.</summary>
    public static async Task WriteMessageAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        await WriteEventAsync(context.Response.Body, buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes one JSON-RPC message as an SSE <c>message</c> event and flushes it.</summary>
    public static async Task WriteEventAsync(Stream destination, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        await destination.WriteAsync(s_messageEventStart, cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(s_eventEnd, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
