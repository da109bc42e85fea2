using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway.Tests;

/// <summary>The web application behind every test server of this project (upstreams, webhook receivers): Kestrel on a free loopback port, no logging.</summary>
internal static class LoopbackApp
{
    /// <summary>A built application, not yet started, for the caller to map its endpoints on.</summary>
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    /// <summary>
    /// Maps a Streamable HTTP MCP endpoint: POSTs go to <paramref name="handle"/>, a GET (a stream
    /// the server would start) gets 405, a DELETE (the end of a session) 200.
    /// </summary>
    public static void MapMcpEndpoint(this WebApplication app, string pattern, RequestDelegate handle)
    {
        app.MapPost(pattern, handle);
        app.MapGet(pattern, context => { context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed; return Task.CompletedTask; });
        app.MapDelete(pattern, context => Task.CompletedTask);
    }
}
