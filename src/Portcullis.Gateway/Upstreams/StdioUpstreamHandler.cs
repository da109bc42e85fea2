using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// A Streamable HTTP server in memory, in front of stdio upstream processes: plugged in as the
/// <see cref="HttpMessageHandler"/> of a stdio server's upstream client, it lets both gateway
/// fronts treat a command exactly like a URL. Each initialize starts a process of its own.
/// </summary>
internal sealed class StdioUpstreamHandler(UpstreamServerConfig server, ILogger logger) : HttpMessageHandler
{
    /// <summary>Marks a refused initialize as the grant's cap rather than the server's (an answer of this in-process handler only).</summary>
    public const string GrantCapHeader = "X-Portcullis-Grant-Cap";

    private readonly ConcurrentDictionary<string, StdioProcessSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _grantOf = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sessionId = request.Headers.TryGetValues(ProtocolVersions.SessionHeaderName, out var values) ? values.FirstOrDefault() : null;
        StdioProcessSession? session = null;
        if (sessionId is not null && (!_sessions.TryGetValue(sessionId, out session) || session.HasExited))
        {
            if (session is not null && _sessions.TryRemove(sessionId, out _))
            {
                _grantOf.TryRemove(sessionId, out _);
                await session.DisposeAsync().ConfigureAwait(false);
            }

            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        if (request.Method == HttpMethod.Get)
        {
            return session is null ? new HttpResponseMessage(HttpStatusCode.BadRequest) : EventStream(session.Unsolicited.Reader, cancellationToken);
        }

        if (request.Method == HttpMethod.Delete)
        {
            if (session is not null && _sessions.TryRemove(session.Id, out _))
            {
                _grantOf.TryRemove(session.Id, out _);
                await session.DisposeAsync().ConfigureAwait(false);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var (id, method, progressToken) = Inspect(body);
        if (session is null)
        {
            if (method != "initialize" || id is null)
            {
                return new HttpResponseMessage(HttpStatusCode.BadRequest);
            }

            lock (_sessions)
            {
                // Processes of sessions that are gone no longer count; live ones are capped so initialize cannot exhaust the host.
                foreach (var exited in _sessions.Values.Where(s => s.HasExited).ToList())
                {
                    _sessions.TryRemove(exited.Id, out _);
                    _grantOf.TryRemove(exited.Id, out _);
                    _ = exited.DisposeAsync().AsTask();
                }

                if (_sessions.Count >= server.Limits.MaxProcesses)
                {
                    return new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                }

                var grant = request.Options.TryGetValue(UpstreamRequest.GrantOption, out var name) ? name : null;
                if (grant is not null && _grantOf.Values.Count(g => g == grant) >= server.Limits.MaxProcessesPerGrant)
                {
                    var refused = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                    refused.Headers.Add(GrantCapHeader, "1");
                    return refused;
                }

                session = StdioProcessSession.Start(server, logger);
                _sessions[session.Id] = session;
                if (grant is not null)
                {
                    _grantOf[session.Id] = grant;
                }
            }

            var answers = await session.SendRequestAsync(body, id, progressToken, cancellationToken).ConfigureAwait(false);
            var response = EventStream(answers, cancellationToken);
            response.Headers.Add(ProtocolVersions.SessionHeaderName, session.Id);
            return response;
        }

        if (id is not null && method is not null)
        {
            return EventStream(await session.SendRequestAsync(body, id, progressToken, cancellationToken).ConfigureAwait(false), cancellationToken);
        }

        await session.SendAsync(body, cancellationToken).ConfigureAwait(false);
        return new HttpResponseMessage(HttpStatusCode.Accepted);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var session in _sessions.Values)
            {
                session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            _sessions.Clear();
        }

        base.Dispose(disposing);
    }

    /// <summary>An SSE response that carries each message of <paramref name="messages"/> as it arrives.</summary>
    private static HttpResponseMessage EventStream(ChannelReader<byte[]> messages, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        _ = PumpAsync(messages, pipe.Writer, cancellationToken);
        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static async Task PumpAsync(ChannelReader<byte[]> messages, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync("event: message\ndata: "u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync("\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The reader went away.
        }

        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private static (string? Id, string? Method, string? ProgressToken) Inspect(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetRawText() : null;
        var method = root.TryGetProperty("method", out var methodElement) && methodElement.ValueKind == JsonValueKind.String ? methodElement.GetString() : null;
        string? progressToken = null;
        if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("progressToken", out var token))
        {
            progressToken = token.GetRawText();
        }

        return (id, method, progressToken);
    }
}
