using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Proxy;

/// <summary>Building upstream requests and relaying their answers.</summary>
internal sealed partial class McpProxyHandler
{
    /// <summary>The upstream session a request of the client resumes: its upstream session id and the client's protocol version.</summary>
    private UpstreamHttpSession UpstreamSessionFor(UpstreamServerConfig server, StoredSession? session, HttpRequest client) =>
        new(upstreamClients.For(server), server, session?.UpstreamSessionId,
            client.Headers.TryGetValue(ProtocolVersions.HeaderName, out var version) ? version.ToString() : null);

    /// <summary>
    /// Posts the client's message to the upstream under its guards (concurrency, circuit breaker,
    /// deadline) and relays the checked answer, noting in <paramref name="exchange"/> how far it
    /// got. Any failure becomes an error of the gateway's own, as the answer or, when the client's
    /// event stream is already open, as its next event.
    /// </summary>
    private async Task SendAndRelayAsync(HttpContext context, UpstreamHttpSession upstream, ReadOnlyMemory<byte> body, AnswerFilter filter, JsonElement id,
        bool isInitialize, Grant grant, StoredSession? session, UpstreamExchange exchange)
    {
        var server = upstream.Server;
        var accept = context.Request.Headers.Accept.ToString();
        exchange.Start();
        var failure = await upstreamGuards.RunAsync(server, async token =>
        {
            using var answer = await upstream.PostAsync(body, isInitialize, token, accept.Length > 0 ? accept : UpstreamHttpSession.DefaultAccept, grant.Name)
                .ConfigureAwait(false);
            var status = answer.Status;
            exchange.Answered(status);
            if (status == StatusCodes.Status404NotFound && session is not null)
            {
                // The upstream forgot the session (restart or expiry): end ours so the client re-initialises.
                await sessions.RemoveAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
                await GatewayError.UnknownSession().WriteAsync(context, id).ConfigureAwait(false);
                return;
            }

            if (answer.IsServerFault)
            {
                throw new UpstreamStatusException(status);
            }

            if (status == StatusCodes.Status429TooManyRequests)
            {
                var processes = isInitialize && server.Command is not null;
                var busy = !processes
                    ? $"Upstream server '{server.Id}' is busy (HTTP 429); try again shortly."
                    : answer.ReachedGrantProcessCap
                        ? $"Grant '{grant.Name}' already holds as many processes of server '{server.Id}' as it may (max_processes_per_grant: {server.Limits.MaxProcessesPerGrant}); end a session first."
                        : $"Upstream server '{server.Id}' already runs as many processes as it may (max_processes: {server.Limits.MaxProcesses}); end a session or try again later.";
                await new GatewayError(processes ? GatewayFailure.UpstreamProcessesExhausted : GatewayFailure.UpstreamBusy, busy).WriteAsync(context, id)
                    .ConfigureAwait(false);
                return;
            }

            if (status >= 400)
            {
                await new GatewayError(GatewayFailure.UpstreamRefused, $"Upstream server '{server.Id}' refused the request (HTTP {status}).") { StatusCode = status }
                    .WriteAsync(context, id).ConfigureAwait(false);
                return;
            }

            if (isInitialize)
            {
                var created = await sessions.CreateAsync(grant.Name, server.Id, answer.SessionId, CancellationToken.None).ConfigureAwait(false);
                context.Response.Headers[ProtocolVersions.SessionHeaderName] = created.Id;
            }

            if (status == StatusCodes.Status202Accepted && !filter.ExpectsAnswer)
            {
                if (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = StatusCodes.Status202Accepted;
                }

                return;
            }

            await ResponseRelay.RelayAsync(answer, context, filter, tools.ObserverFor(upstream), logger, server.Id, token).ConfigureAwait(false);
        }, context.RequestAborted).ConfigureAwait(false);
        exchange.Stop();
        if (failure is null)
        {
            return;
        }

        exchange.Failed(failure);
        Log.UpstreamFailed(logger, server.Id, failure.Detail);
        await failure.ToError(server.Id).WriteAsync(context, id).ConfigureAwait(false);
    }

    /// <summary>Relays the upstream's GET stream: messages the server starts, each checked; no deadline, since the stream lives as long as the session.</summary>
    private async Task RelayStreamAsync(HttpContext context, UpstreamHttpSession upstream, StoredSession session)
    {
        var server = upstream.Server;
        var lastEventId = context.Request.Headers.TryGetValue("Last-Event-ID", out var values) ? values.ToString() : null;
        UpstreamAnswer answer;
        try
        {
            answer = await upstream.OpenStreamAsync(lastEventId, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            Log.UpstreamFailed(logger, server.Id, e.Message);
            await GatewayError.UpstreamUnavailable(server.Id).WriteAsync(context).ConfigureAwait(false);
            return;
        }

        using (answer)
        {
            var status = answer.Status;
            if (status == StatusCodes.Status404NotFound)
            {
                await sessions.RemoveAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
                await GatewayError.UnknownSession().WriteAsync(context).ConfigureAwait(false);
                return;
            }

            if (status == StatusCodes.Status405MethodNotAllowed)
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (status >= 400 || status == StatusCodes.Status202Accepted)
            {
                Log.UpstreamFailed(logger, server.Id, $"GET stream: HTTP {status}");
                await GatewayError.UpstreamUnavailable(server.Id).WriteAsync(context).ConfigureAwait(false);
                return;
            }

            var filter = new AnswerFilter(default, rewriter: null, gate.MethodsOf(server), server.Limits.MaxResponseDepth);
            try
            {
                await ResponseRelay.RelayAsync(answer, context, filter, tools.ObserverFor(upstream), logger, server.Id, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is UpstreamAnswerException or HttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
            {
                // A stream that turns bad is ended; the client opens a new one.
                Log.UpstreamFailed(logger, server.Id, "GET stream: " + e.Message);
                if (!context.Response.HasStarted)
                {
                    await GatewayError.UpstreamUnavailable(server.Id).WriteAsync(context).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The request body, or the error that says why it could not be read: too large, too slow, or malformed framing.</summary>
    private async Task<(byte[]? Body, GatewayError? Error)> ReadBodyAsync(HttpContext context)
    {
        var limit = config.MaxRequestBodyBytes;
        var tooLarge = new GatewayError(GatewayFailure.BodyTooLarge, $"The request body is larger than {limit} bytes.");
        if (context.Request.ContentLength > limit)
        {
            return (null, tooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        try
        {
            var body = context.Request.ContentLength is { } length
                ? await ReadKnownLengthAsync(context.Request.Body, (int)length, context.RequestAborted).ConfigureAwait(false)
                : await CappedReader.ReadAsync(context.Request.Body, limit, context.RequestAborted).ConfigureAwait(false);
            return body is null ? (null, tooLarge) : (body, null);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdict on the body's framing or pace; the client is told which, in the gateway's words.
            return (null, e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => tooLarge,
                StatusCodes.Status408RequestTimeout => new GatewayError(GatewayFailure.BodyTooSlow, "The request body arrived too slowly."),
                _ => GatewayError.InvalidRequest("The request body could not be read: its length or chunked framing is malformed."),
            });
        }
    }

    /// <summary>A body of declared length read straight into an array of that size (Kestrel stops a body at its Content-Length).</summary>
    private static async Task<byte[]> ReadKnownLengthAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var filled = 0;
        int read;
        while (filled < length && (read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        // A client that sent less than it declared gets its bytes parsed as they are (and refused as malformed).
        return filled == length ? buffer : buffer[..filled];
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
