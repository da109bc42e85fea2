using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.LoadTest;

/// <summary>
/// One simulated agent speaking Streamable HTTP with plain requests, so the load generator costs
/// the same in every scenario: initialize once, then <c>tools/call echo</c> as fast as answers come.
/// </summary>
internal sealed class McpLoadClient(HttpClient http, Uri endpoint, string? token)
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
            throw new InvalidOperationException($"initialize at {endpoint} answered HTTP {(int)response.StatusCode}: {Shorten(body)}");
        }

        _session = response.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.First() : null;
        using var initialized = await PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancellationToken);
        if (!initialized.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"notifications/initialized at {endpoint} answered HTTP {(int)initialized.StatusCode}.");
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

        return body.Contains($"\"text\":\"{text}\"", StringComparison.Ordinal) && !body.Contains("\"isError\":true", StringComparison.Ordinal)
            ? null
            : $"unexpected answer: {Shorten(body)}";
    }

    private async Task<HttpResponseMessage> PostAsync(string json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (_session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", _session);
            request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
