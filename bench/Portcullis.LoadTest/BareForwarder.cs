using System.Net;

namespace Portcullis.LoadTest;

/// <summary>
/// The floor under any .NET proxy on this machine: Kestrel receives each request and
/// <see cref="SocketsHttpHandler"/> forwards its bytes to the upstream and streams the answer back,
/// with the MCP headers and nothing else — no parsing, no policy, no audit, no session table. What
/// it costs per call is what Portcullis would cost if its own work were free.
/// </summary>
internal static class BareForwarder
{
    private static readonly string[] s_requestHeaders = ["Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"];
    private static readonly string[] s_answerHeaders = ["Mcp-Session-Id", "Cache-Control"];

    public static async Task RunAsync(int port, Uri upstream, CancellationToken cancellationToken)
    {
        var builder = UnwatchedWebHost.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        using var client = new HttpMessageInvoker(new SocketsHttpHandler { UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
        app.Map("/mcp", context => ForwardAsync(context, client, upstream));
        await app.RunAsync(cancellationToken);
    }

    private static async Task ForwardAsync(HttpContext context, HttpMessageInvoker client, Uri upstream)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), upstream);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        }

        foreach (var name in s_requestHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, value.ToArray());
            }
        }

        using var answer = await client.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var name in s_answerHeaders)
        {
            if (answer.Headers.TryGetValues(name, out var values))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        if (answer.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
