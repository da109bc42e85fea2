using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// The gateway as a Streamable HTTP client of one upstream session, for both fronts: posts a
/// message and returns the upstream's answer (<see cref="UpstreamAnswer"/>: status, session id,
/// messages as they arrive), opens the session's event stream, and ends the session. The stdio
/// front owns one for its process and keeps the session id and protocol version it learns; the
/// HTTP front resumes its client's upstream session with one per request.
/// </summary>
internal sealed class UpstreamHttpSession(HttpClient http, UpstreamServerConfig server, string? sessionId = null, string? protocolVersion = null)
{
    /// <summary>What the gateway accepts when its client did not say.</summary>
    public const string DefaultAccept = "application/json, text/event-stream";

    private string? _sessionId = sessionId;
    private string? _protocolVersion = protocolVersion;

    public UpstreamServerConfig Server => server;

    /// <summary>
    /// Posts one message and returns the answer whatever its status; an answer to
    /// <c>initialize</c> gives the session its id. <paramref name="grant"/> names the grant the
    /// request is made for (a command server caps processes per grant).
    /// </summary>
    public async Task<UpstreamAnswer> PostAsync(ReadOnlyMemory<byte> message, bool isInitialize, CancellationToken cancellationToken, string accept = DefaultAccept,
        string? grant = null)
    {
        using var request = CreateRequest(HttpMethod.Post, accept);
        if (grant is not null)
        {
            request.Options.Set(UpstreamRequest.GrantOption, grant);
        }

        request.Content = new ReadOnlyMemoryContent(message);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var answer = new UpstreamAnswer(await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false),
            server.Limits.MaxResponseBytes);
        if (isInitialize && answer.Status < 400 && answer.SessionId is not null)
        {
            _sessionId = answer.SessionId;
        }

        return answer;
    }

    /// <summary>Posts one message and yields every message of a successful answer, in order; an error status throws <see cref="UpstreamStatusException"/>.</summary>
    public async IAsyncEnumerable<byte[]> SendAsync(ReadOnlyMemory<byte> message, bool isInitialize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var answer = await PostAsync(message, isInitialize, cancellationToken).ConfigureAwait(false);
        if (answer.Status >= 400)
        {
            throw new UpstreamStatusException(answer.Status);
        }

        await foreach (var received in answer.ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (isInitialize)
            {
                RememberProtocolVersion(received);
            }

            yield return received;
        }
    }

    /// <summary>Opens the session's GET event stream, on which the server sends messages of its own; the answer may refuse it (405).</summary>
    public async Task<UpstreamAnswer> OpenStreamAsync(string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(HttpMethod.Get, "text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        return new UpstreamAnswer(await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false),
            server.Limits.MaxResponseBytes);
    }

    /// <summary>Listens on the upstream's GET stream for messages the server starts; returns when it ends or is not offered.</summary>
    public async IAsyncEnumerable<byte[]> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var answer = await OpenStreamAsync(lastEventId: null, cancellationToken).ConfigureAwait(false);
        if (answer.Status >= 300)
        {
            yield break;
        }

        await foreach (var message in answer.ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return message;
        }
    }

    /// <summary>Ends the upstream session, if it has one.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_sessionId is null)
        {
            return;
        }

        using var request = CreateRequest(HttpMethod.Delete, "application/json");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string accept) =>
        UpstreamRequest.Create(method, server, accept, _protocolVersion, _sessionId);

    private void RememberProtocolVersion(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.TryGetProperty("result", out var result)
                && result.TryGetProperty("protocolVersion", out var version)
                && version.ValueKind == JsonValueKind.String)
            {
                _protocolVersion = version.GetString();
            }
        }
        catch (JsonException)
        {
            // Not an initialize result: nothing to remember.
        }
    }
}
