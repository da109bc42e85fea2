using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// Copies an upstream's answer to the client once <see cref="AnswerFilter"/> has passed each of
/// its messages: a JSON body whole (size-capped), an SSE stream event by event, each flushed as
/// soon as it is complete, so progress notifications of a long tool call reach the client while
/// it runs. Reading stops at the response to the request. Nothing the upstream sent reaches the
/// client unchecked: an answer that cannot be relayed throws <see cref="UpstreamAnswerException"/>,
/// and the caller answers with an error of its own.
/// </summary>
internal static class ResponseRelay
{
    private static readonly byte[] s_newLine = "\n"u8.ToArray();
    private static readonly byte[] s_dataField = "data: "u8.ToArray();
    private static readonly byte[] s_comment = ":\n"u8.ToArray();

    /// <summary>Relays the upstream's answer (status below 400, not 202) to the client through <paramref name="filter"/>.</summary>
    public static async Task RelayAsync(UpstreamAnswer upstream, HttpContext context, AnswerFilter filter, Action<string> observe, ILogger logger, string serverId,
        CancellationToken cancellationToken)
    {
        if (upstream.IsEventStream)
        {
            await RelayEventsAsync(upstream, context, filter, observe, logger, serverId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!upstream.IsJson)
        {
            throw filter.Unreadable($"the answer's content type is '{Excerpt.Of(upstream.MediaType ?? "none", 60)}', not JSON or an event stream");
        }

        var body = await upstream.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length == 0 && !filter.ExpectsAnswer)
        {
            SetStatus(context, StatusCodes.Status202Accepted);
            return;
        }

        if (body.Length > 0)
        {
            await filter.PrepareAsync(body, cancellationToken).ConfigureAwait(false);
        }

        if (body.Length == 0 || filter.Inspect(body) == AnswerVerdict.Drop)
        {
            if (filter.ExpectsAnswer)
            {
                throw filter.Unreadable(filter.DropReason ?? "the answer is empty");
            }

            Log.AnswerDropped(logger, serverId, filter.DropReason ?? "");
            SetStatus(context, StatusCodes.Status202Accepted);
            return;
        }

        if (context.Response.HasStarted)
        {
            // The client's event stream is already open (the call was held for approval): the answer continues it.
            await EventStream.WriteEventAsync(context.Response.Body, filter.Output, cancellationToken).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(filter.Output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RelayEventsAsync(UpstreamAnswer upstream, HttpContext context, AnswerFilter filter, Action<string> observe, ILogger logger,
        string serverId, CancellationToken cancellationToken)
    {
        var destination = context.Response.Body;
        await foreach (var sseEvent in upstream.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            ReadOnlyMemory<byte>? rewritten = null;
            if (sseEvent.Data.Length > 0)
            {
                var data = Encoding.UTF8.GetBytes(sseEvent.Data);
                await filter.PrepareAsync(data, cancellationToken).ConfigureAwait(false);
                if (filter.Inspect(data) == AnswerVerdict.Drop)
                {
                    Log.AnswerDropped(logger, serverId, filter.DropReason ?? "");
                    continue;
                }

                observe(sseEvent.Data);
                if (!filter.Output.Span.SequenceEqual(data))
                {
                    rewritten = filter.Output;
                }
            }

            await StartEventStreamAsync(context, cancellationToken).ConfigureAwait(false);
            await WriteLinesAsync(destination, sseEvent, rewritten, cancellationToken).ConfigureAwait(false);
            if (filter.ExpectsAnswer && filter.Answered)
            {
                // The request is answered: whatever else the server sends on this stream has no one to go to.
                return;
            }
        }

        if (filter.ExpectsAnswer)
        {
            throw filter.Unreadable("the event stream ended without answering the request");
        }

        await StartEventStreamAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an event's fields as they came (its data checked, or replaced by <paramref name="rewritten"/>).
    /// A comment becomes a bare one: it keeps the connection alive, but its text is the upstream's
    /// own and nothing checked it. Fields the format does not define are left out; clients ignore them.
    /// </summary>
    private static async Task WriteLinesAsync(Stream destination, SseEvent sseEvent, ReadOnlyMemory<byte>? rewritten, CancellationToken cancellationToken)
    {
        var dataWritten = false;
        foreach (var line in sseEvent.Lines)
        {
            if (line.StartsWith(':'))
            {
                await destination.WriteAsync(s_comment, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!IsRelayedField(line))
            {
                continue;
            }

            if (rewritten is { } data && line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (!dataWritten)
                {
                    await destination.WriteAsync(s_dataField, cancellationToken).ConfigureAwait(false);
                    await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Opens the client's event stream unless it is open already (a held call, or an earlier event).</summary>
    private static async Task StartEventStreamAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache, no-transform";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="line"/> is a field clients act on: data, event, id or retry.</summary>
    private static bool IsRelayedField(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? line : line[..colon];
        return name is "data" or "event" or "id" or "retry";
    }

    private static void SetStatus(HttpContext context, int status)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = status;
        }
    }
}
