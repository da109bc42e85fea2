using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// Copies an upstream response to the client: JSON bodies whole (size-capped), SSE streams
/// event by event, each flushed as soon as it is complete, so progress notifications of a long
/// tool call reach the client while it runs. Only the answer to a <c>tools/list</c> is rewritten.
/// </summary>
internal static class ResponseRelay
{
    private static readonly byte[] s_newLine = "\n"u8.ToArray();
    private static readonly byte[] s_messageEventStart = "event: message\ndata: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_dataField = "data: "u8.ToArray();

    /// <summary>
    /// Relays the body; returns false when the upstream's JSON body was over the cap (nothing was
    /// written then). <paramref name="observe"/> sees every message of an event stream.
    /// </summary>
    public static async Task<bool> RelayAsync(HttpResponseMessage upstream, HttpContext context, ToolsListRewriter? rewriter, Action<string> observe, long maxJsonBytes)
    {
        var cancellationToken = context.RequestAborted;
        var mediaType = upstream.Content.Headers.ContentType?.MediaType;
        var eventStream = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (context.Response.HasStarted)
        {
            // The client's event stream is already open (the call was held for approval): the
            // answer continues it, whatever form the upstream used.
            return await ContinueEventStreamAsync(upstream, context, rewriter, observe, eventStream, maxJsonBytes).ConfigureAwait(false);
        }

        if (eventStream)
        {
            context.Response.StatusCode = (int)upstream.StatusCode;
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache, no-transform";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
            var stream = await upstream.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var _ = stream.ConfigureAwait(false);
            await RelayEventsAsync(stream, context.Response.Body, rewriter, observe, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var body = await ReadCappedAsync(upstream.Content, maxJsonBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return false;
        }

        context.Response.StatusCode = (int)upstream.StatusCode;
        if (body.Length == 0)
        {
            return true;
        }

        context.Response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "application/json";
        var output = rewriter?.Rewrite(body) ?? body;
        await context.Response.Body.WriteAsync(output, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> ContinueEventStreamAsync(HttpResponseMessage upstream, HttpContext context, ToolsListRewriter? rewriter, Action<string> observe,
        bool eventStream,
        long maxJsonBytes)
    {
        var cancellationToken = context.RequestAborted;
        if (eventStream)
        {
            var stream = await upstream.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var _ = stream.ConfigureAwait(false);
            await RelayEventsAsync(stream, context.Response.Body, rewriter, observe, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var body = await ReadCappedAsync(upstream.Content, maxJsonBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return false;
        }

        if (body.Length > 0)
        {
            await WriteEventAsync(context.Response.Body, rewriter?.Rewrite(body) ?? body, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Writes one JSON-RPC message as an SSE <c>message</c> event and flushes it.</summary>
    public static async Task WriteEventAsync(Stream destination, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        await destination.WriteAsync(s_messageEventStart, cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(s_eventEnd, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task RelayEventsAsync(Stream source, Stream destination, ToolsListRewriter? rewriter, Action<string> observe,
        CancellationToken cancellationToken)
    {
        await foreach (var sseEvent in SseEvent.ReadAllAsync(source, cancellationToken).ConfigureAwait(false))
        {
            observe(sseEvent.Data);
            var rewritten = rewriter is not null && sseEvent.Data.Length > 0 ? rewriter.Rewrite(Encoding.UTF8.GetBytes(sseEvent.Data)) : null;
            var dataWritten = false;
            foreach (var line in sseEvent.Lines)
            {
                if (rewritten is not null && line.StartsWith("data:", StringComparison.Ordinal))
                {
                    if (!dataWritten)
                    {
                        await destination.WriteAsync(s_dataField, cancellationToken).ConfigureAwait(false);
                        await destination.WriteAsync(rewritten, cancellationToken).ConfigureAwait(false);
                        await destination.WriteAsync(s_newLine, cancellationToken).ConfigureAwait(false);
                        dataWritten = true;
                    }

                    continue;
                }

                await destination.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
                await destination.WriteAsync(s_newLine, cancellationToken).ConfigureAwait(false);
            }

            await destination.WriteAsync(s_newLine, cancellationToken).ConfigureAwait(false);
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a JSON body up to <paramref name="maxBytes"/>; null when it is larger.</summary>
    internal static async Task<byte[]?> ReadCappedAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
