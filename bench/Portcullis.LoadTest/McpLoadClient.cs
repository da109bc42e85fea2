using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.LoadTest;

/// <summary>
/// One simulated agent speaking Streamable HTTP with plain requests, so the load generator costs
/// the same in every scenario: initialize once, then <c>tools/call echo</c> as fast as answers come,
/// then end the session (so a server that runs a process per session stops it).
/// </summary>
internal sealed class McpLoadClient(HttpClient http, LoadTarget target)
{
    public const string ProtocolVersion = "2025-11-25";

    private string? _session;
    private int _nextId;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        using var response = await PostAsync(
            """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"portcullis-load-test","version":"1"}}}""",
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode || !body.Contains("\"result\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"initialize at {target.Endpoint} answered HTTP {(int)response.StatusCode}: {Shorten(body)}");
        }

        _session = response.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.First() : null;
        using var initialized = await PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancellationToken);
        if (!initialized.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"notifications/initialized at {target.Endpoint} answered HTTP {(int)initialized.StatusCode}.");
        }
    }

    /// <summary>One echo call; null when the answer is the echoed text, otherwise what was wrong.</summary>
    public async Task<string?> CallEchoAsync(CancellationToken cancellationToken)
    {
        var id = ++_nextId;
        var text = $"call-{id}";
        using var response = await PostAsync(
            $$$$"""{"jsonrpc":"2.0","id":{{{{id}}}},"method":"tools/call","params":{"name":"echo","arguments":{"message":"{{{{text}}}}"}}}""",
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return $"HTTP {(int)response.StatusCode}: {Shorten(body)}";
        }

        return body.Contains($"\"text\":\"{target.ReplyPrefix}{text}\"", StringComparison.Ordinal) && !body.Contains("\"isError\":true", StringComparison.Ordinal)
            ? null
            : $"unexpected answer: {Shorten(body)}";
    }

    /// <summary>Ends the session with DELETE. A server may refuse to let clients end sessions (405), and one already gone answers 404.</summary>
    public async Task EndAsync(CancellationToken cancellationToken)
    {
        if (_session is null)
        {
            return;
        }

        using var request = NewRequest(HttpMethod.Delete);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode is not (HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound))
        {
            throw new InvalidOperationException($"ending session {_session} at {target.Endpoint} answered HTTP {(int)response.StatusCode}: "
                + Shorten(await response.Content.ReadAsStringAsync(cancellationToken)));
        }

        _session = null;
    }

    private async Task<HttpResponseMessage> PostAsync(string json, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Post);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    private HttpRequestMessage NewRequest(HttpMethod method)
    {
        var request = new HttpRequestMessage(method, target.Endpoint);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (target.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
        }

        if (_session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", _session);
            request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        }

        return request;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
