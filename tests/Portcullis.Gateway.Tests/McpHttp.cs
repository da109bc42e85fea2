using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.Gateway.Tests;

/// <summary>Raw MCP POSTs for tests that run a gateway of their own: the body as given, with a bearer token and, after initialize, the session id.</summary>
internal static class McpHttp
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string url, string body, string token, string? session, CancellationToken cancellationToken) =>
        PostAsync(http, url, Encoding.UTF8.GetBytes(body), token, session, cancellationToken);

    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string url, byte[] body, string token, string? session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary>Sends initialize and returns the gateway's session id.</summary>
    public static async Task<string> OpenSessionAsync(HttpClient http, string url, string token, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(http, url, GatewayFixture.Initialize, token, session: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
