using System.Runtime.CompilerServices;
using System.Text;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// An upstream's answer to one request of the gateway, whatever front asked: its status, the
/// session id it gave, and its body — one JSON message, or an event stream read event by event
/// as each completes. Every read is capped by the server's <c>max_response_bytes</c>; an answer
/// that cannot be read throws <see cref="UpstreamAnswerException"/>.
/// </summary>
internal sealed class UpstreamAnswer : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly long _maxBytes;

    public UpstreamAnswer(HttpResponseMessage response, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(response);
        _response = response;
        _maxBytes = maxBytes;
        MediaType = response.Content.Headers.ContentType?.MediaType;
    }

    public int Status => (int)_response.StatusCode;

    /// <summary>The <c>Mcp-Session-Id</c> the upstream gave, if any (read when asked: only an answer to <c>initialize</c> needs it).</summary>
    public string? SessionId => _response.Headers.TryGetValues(ProtocolVersions.SessionHeaderName, out var ids) ? ids.FirstOrDefault() : null;

    /// <summary>The body's media type.</summary>
    public string? MediaType { get; }

    public bool IsEventStream => string.Equals(MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    public bool IsJson => string.Equals(MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a command server's process cap refused the request for the grant's own cap rather than the server's.</summary>
    public bool ReachedGrantProcessCap => _response.Headers.Contains(StdioUpstreamHandler.GrantCapHeader);

    /// <summary>Whether the status is the server's own fault (5xx, 401, 403: it cannot serve the gateway), which counts against its circuit breaker.</summary>
    public bool IsServerFault => Status >= 500 || Status is 401 or 403;

    /// <summary>The JSON body whole; throws when it is larger than the cap.</summary>
    public async Task<byte[]> ReadJsonAsync(CancellationToken cancellationToken)
    {
        if (_response.Content.Headers.ContentLength > _maxBytes)
        {
            throw TooLarge();
        }

        var stream = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        return await CappedReader.ReadAsync(stream, _maxBytes, cancellationToken).ConfigureAwait(false) ?? throw TooLarge();
    }

    /// <summary>The events of an event-stream body as each completes; all of them together may not pass the cap either.</summary>
    public async IAsyncEnumerable<SseEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        long total = 0;
        await foreach (var sseEvent in SseEvent.ReadAllAsync(stream, _maxBytes, cancellationToken).ConfigureAwait(false))
        {
            // Every line counts, not only data: events without data would otherwise stream on until the deadline.
            total += sseEvent.Size;
            if (total > _maxBytes)
            {
                throw new UpstreamAnswerException(UpstreamFault.TooLarge, $"the streamed answer is larger than {_maxBytes} bytes (max_response_bytes)");
            }

            yield return sseEvent;
        }
    }

    /// <summary>
    /// The JSON-RPC messages of the answer, for readers that need only those (the stdio front, the
    /// gateway's own reads of tool lists): each event's data, or the JSON body; none for 202.
    /// </summary>
    public async IAsyncEnumerable<byte[]> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (IsEventStream)
        {
            await foreach (var sseEvent in ReadEventsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (sseEvent.Data.Length > 0)
                {
                    yield return Encoding.UTF8.GetBytes(sseEvent.Data);
                }
            }

            yield break;
        }

        if (Status == 202)
        {
            yield break;
        }

        if (!IsJson)
        {
            throw new UpstreamAnswerException(UpstreamFault.NotJsonRpc, $"the answer's content type is '{Excerpt.Of(MediaType ?? "none", 60)}', not JSON or an event stream");
        }

        var body = await ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 0)
        {
            yield return body;
        }
    }

    public void Dispose() => _response.Dispose();

    private UpstreamAnswerException TooLarge() =>
        new(UpstreamFault.TooLarge, $"the answer is larger than {_maxBytes} bytes (max_response_bytes)");
}
