using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Proxy;

namespace Portcullis.Gateway.Upstreams;

/// <summary>The upstream answered with an HTTP error status.</summary>
internal sealed class UpstreamStatusException(int statusCode) : Exception($"Upstream answered HTTP {statusCode}.")
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// The gateway as a Streamable HTTP client of one upstream, for fronts that are not HTTP
/// (stdio): keeps the upstream's session id and protocol version, and yields the messages of
/// each answer whether it came as JSON or as an SSE stream. The stdio front owns one per process;
/// the HTTP front resumes the client's upstream session with one to read the server's tools.
/// </summary>
internal sealed class UpstreamHttpSession(HttpClient http, UpstreamServerConfig server, string? sessionId = null, string? protocolVersion = null)
{
    private string? _sessionId = sessionId;
    private string? _protocolVersion = protocolVersion;

    public UpstreamServerConfig Server => server;

    /// <summary>Posts one message and yields every message of the answer, in order.</summary>
    public async IAsyncEnumerable<byte[]> SendAsync(ReadOnlyMemory<byte> message, bool isInitialize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = CreateRequest(HttpMethod.Post, "application/json, text/event-stream");
        request.Content = new ReadOnlyMemoryContent(message);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode >= 400)
        {
            throw new UpstreamStatusException((int)response.StatusCode);
        }

        if (isInitialize && response.Headers.TryGetValues(ProtocolVersions.SessionHeaderName, out var sessionIds))
        {
            _sessionId = sessionIds.FirstOrDefault();
        }

        await foreach (var answer in ReadMessagesAsync(response, cancellationToken).ConfigureAwait(false))
        {
            if (isInitialize)
            {
                RememberProtocolVersion(answer);
            }

            yield return answer;
        }
    }

    /// <summary>Listens on the upstream's GET stream for messages the server starts; returns when it ends or is not offered.</summary>
    public async IAsyncEnumerable<byte[]> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = CreateRequest(HttpMethod.Get, "text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            yield break;
        }

        await foreach (var message in ReadMessagesAsync(response, cancellationToken).ConfigureAwait(false))
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

    private async IAsyncEnumerable<byte[]> ReadMessagesAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var maxBytes = server.Limits.MaxResponseBytes;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var _ = stream.ConfigureAwait(false);
            await foreach (var sseEvent in SseEvent.ReadAllAsync(stream, maxBytes, cancellationToken).ConfigureAwait(false))
            {
                if (sseEvent.Data.Length > 0)
                {
                    yield return Encoding.UTF8.GetBytes(sseEvent.Data);
                }
            }

            yield break;
        }

        if ((int)response.StatusCode == 202)
        {
            yield break;
        }

        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new UpstreamAnswerException(UpstreamFault.NotJsonRpc, $"the answer's content type is '{mediaType ?? "none"}', not JSON or an event stream");
        }

        var body = await ResponseRelay.ReadCappedAsync(response.Content, maxBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new UpstreamAnswerException(UpstreamFault.TooLarge, $"the answer is larger than {maxBytes} bytes (max_response_bytes)");
        if (body.Length > 0)
        {
            yield return body;
        }
    }

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
