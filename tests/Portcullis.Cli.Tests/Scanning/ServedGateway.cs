using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.Cli.Tests.Scanning;

/// <summary><c>portcullis serve --config FILE</c> as a real child process, with a client for its MCP endpoint of server <c>codex</c>.</summary>
internal sealed class ServedGateway : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _url;
    private readonly Task<string> _error;

    private ServedGateway(Process process, int port)
    {
        _process = process;
        _url = new Uri($"http://127.0.0.1:{port}/mcp/codex");
        _ = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    public static async Task<ServedGateway> StartAsync(string config, int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { CliRunner.Assembly, "serve", "--config", config })
        {
            start.ArgumentList.Add(argument);
        }

        var gateway = new ServedGateway(Process.Start(start)!, port);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (gateway._process.HasExited)
            {
                Assert.Fail($"serve exited with {gateway._process.ExitCode}: {await gateway._error}");
            }

            try
            {
                using var response = await gateway._http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }

        await gateway.DisposeAsync();
        Assert.Fail("The gateway did not become healthy.");
        return null!;
    }

    /// <summary>Opens a session; returns its id.</summary>
    public async Task<string> InitializeAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(token, null,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", cancellationToken);
        var session = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await SendAsync(token, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancellationToken);
        return session;
    }

    /// <summary>Posts one message in a session; returns the answer's body (JSON or an event stream).</summary>
    public async Task<string> PostAsync(string token, string session, string body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(token, session, body, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Posts one message and returns only the answer's status, refusals included.</summary>
    public async Task<System.Net.HttpStatusCode> StatusOfAsync(string token, string? session, string body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(token, session, body, cancellationToken, requireSuccess: false);
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
    }

    private async Task<HttpResponseMessage> SendAsync(string token, string? session, string body, CancellationToken cancellationToken, bool requireSuccess = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        var response = await _http.SendAsync(request, cancellationToken);
        Assert.True(!requireSuccess || response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}");
        return response;
    }
}
