using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Proxy;

/// <summary>Building upstream requests and relaying their answers.</summary>
internal sealed partial class McpProxyHandler
{
    /// <summary>
    /// A request to the upstream carrying only what the upstream needs: the client's Accept and
    /// protocol version, the upstream's own session id and the configured static headers.
    /// </summary>
    private static HttpRequestMessage CreateUpstreamRequest(HttpMethod method, UpstreamServerConfig server, StoredSession? session, HttpRequest client)
    {
        var accept = client.Headers.Accept.ToString();
        var version = client.Headers.TryGetValue(ProtocolVersions.HeaderName, out var values) ? values.ToString() : null;
        return UpstreamRequest.Create(method, server, accept.Length > 0 ? accept : "application/json, text/event-stream", version, session?.UpstreamSessionId);
    }

    /// <summary>Sends to the upstream and relays the answer, noting in <paramref name="exchange"/> how far it got.</summary>
    private async Task SendAndRelayAsync(HttpContext context, UpstreamServerConfig server, HttpRequestMessage request, JsonRpcMessage? message,
        bool isInitialize, Grant grant, StoredSession? session, ToolsListRewriter? rewriter, UpstreamExchange exchange)
    {
        var id = message?.Id ?? default;
        HttpResponseMessage response;
        exchange.Start();
        try
        {
            response = await upstreamClients.For(server)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            exchange.Stop();
            Log.UpstreamFailed(logger, server.Id, e.Message);
            await GatewayError.UpstreamUnavailable(server.Id).WriteAsync(context, id).ConfigureAwait(false);
            return;
        }
        catch (TaskCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            exchange.Stop();
            Log.UpstreamFailed(logger, server.Id, "timed out");
            await GatewayError.UpstreamUnavailable(server.Id).WriteAsync(context, id).ConfigureAwait(false);
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            exchange.Answered(status);
            if (status == StatusCodes.Status404NotFound && session is not null)
            {
                // The upstream forgot the session (restart or expiry): end ours so the client re-initialises.
                await sessions.RemoveAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
                await GatewayError.UnknownSession().WriteAsync(context, id).ConfigureAwait(false);
                return;
            }

            if (status == StatusCodes.Status405MethodNotAllowed && request.Method == HttpMethod.Get)
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (status >= 400)
            {
                Log.UpstreamFailed(logger, server.Id, $"HTTP {status}");
                var error = status is >= 400 and < 500 and not (401 or 403)
                    ? new GatewayError(status, -32600, $"Upstream server '{server.Id}' refused the request (HTTP {status}).")
                    : GatewayError.UpstreamUnavailable(server.Id);
                await error.WriteAsync(context, id).ConfigureAwait(false);
                return;
            }

            if (isInitialize)
            {
                var upstreamSession = response.Headers.TryGetValues(ProtocolVersions.SessionHeaderName, out var values) ? values.FirstOrDefault() : null;
                var created = await sessions.CreateAsync(grant.Name, server.Id, upstreamSession, CancellationToken.None).ConfigureAwait(false);
                context.Response.Headers[ProtocolVersions.SessionHeaderName] = created.Id;
            }

            if (status == StatusCodes.Status202Accepted)
            {
                if (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = StatusCodes.Status202Accepted;
                }

                exchange.Stop();
                return;
            }

            var relayed = await ResponseRelay.RelayAsync(response, context, rewriter, tools.ObserverFor(server.Id), config.MaxUpstreamResponseBytes).ConfigureAwait(false);
            exchange.Stop();
            if (!relayed)
            {
                exchange.Oversized = true;
                Log.UpstreamFailed(logger, server.Id, "response larger than the cap");
                await new GatewayError(StatusCodes.Status502BadGateway, -32603,
                    $"Upstream server '{server.Id}' answered with more than {config.MaxUpstreamResponseBytes} bytes.").WriteAsync(context, id).ConfigureAwait(false);
            }
        }
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = config.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        try
        {
            return context.Request.ContentLength is { } length
                ? await ReadKnownLengthAsync(context.Request.Body, (int)length, context.RequestAborted).ConfigureAwait(false)
                : await ReadChunkedAsync(context.Request.Body, limit, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
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

    /// <summary>A body without Content-Length, read through one pooled chunk; null once it passes <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadChunkedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
