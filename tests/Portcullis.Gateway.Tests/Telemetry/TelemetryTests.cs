using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests.Telemetry;

/// <summary>Metrics scraped by Prometheus and spans pushed over OTLP after real calls through a gateway on loopback.</summary>
public sealed partial class TelemetryTests
{
    private const string Token = "telemetry-token-0123456789abcdef";
    private const string Policy = """{"version": "1", "default": "allow", "tools": {"delete_all": {"action": "deny", "reason": "Never."}}}""";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_CountEveryDecision_OnTheScrapeEndpoint()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var server = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await StartAsync(recorder, server, new TelemetryConfig { Prometheus = new PrometheusConfig() });
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/" + server;
        var session = await McpHttp.OpenSessionAsync(http, url, Token, Cancel);

        await CallAsync(http, url, session, "echo");
        await CallAsync(http, url, session, "echo");
        await CallAsync(http, url, session, "delete_all");
        var scrape = await http.GetStringAsync(app.ListeningAddress() + "/metrics", Cancel);

        Assert.Equal(2, Sample(scrape, "portcullis_tool_calls_total", server, "echo", "allow"));
        Assert.Equal(1, Sample(scrape, "portcullis_tool_calls_total", server, "delete_all", "deny"));
        Assert.Equal(2, Sample(scrape, "mcp_server_operation_duration_seconds_count", server, "echo", "allow"));
        Assert.Contains("portcullis_audit_queue", scrape, StringComparison.Ordinal);
        Assert.Contains("portcullis_sessions_open", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_OnAListenerOfTheirOwn_AreNotServedWithTheGateway()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var port = FreePort();
        await using var app = await StartAsync(recorder, "scraped", new TelemetryConfig { Prometheus = new PrometheusConfig { Listen = new Uri($"http://127.0.0.1:{port}") } });
        using var http = new HttpClient();

        using var onGateway = await http.GetAsync(app.ListeningAddress() + "/metrics", Cancel);
        using var scrape = await http.GetAsync($"http://127.0.0.1:{port}/metrics", Cancel);
        using var mcpOnScrape = await McpHttp.PostAsync(http, $"http://127.0.0.1:{port}/mcp/scraped", GatewayFixture.Initialize, Token, session: null, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, onGateway.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, mcpOnScrape.StatusCode);
        Assert.Empty(recorder.Requests);
    }

    [Fact]
    public async Task Traces_OneSpanPerToolCall_ContinueTheClientsTrace_AndReachTheUpstream()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var recorder = await RecordingUpstream.StartAsync();
        var server = "traced-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await StartAsync(recorder, server, new TelemetryConfig { Otlp = new OtlpConfig { Endpoint = receiver.Endpoint, Metrics = false } });
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/" + server;
        var session = await McpHttp.OpenSessionAsync(http, url, Token, Cancel);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        // Sent over a bare socket: this process also runs the gateway, whose HTTP client instrumentation would put a trace of its own on HttpClient's requests.
        await RawCallAsync(new Uri(url), session, "echo", $"00-{traceId}-00f067aa0ba902b7-01");
        await RawCallAsync(new Uri(url), session, "delete_all", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var allowed = await SpanAsync(receiver, "tools/call echo", server);
        var denied = await SpanAsync(receiver, "tools/call delete_all", server);
        Assert.Equal(traceId, allowed.TraceId);
        Assert.Equal("echo", allowed.Attributes["gen_ai.tool.name"]);
        Assert.Equal("tools/call", allowed.Attributes["mcp.method.name"]);
        Assert.Equal("allow", allowed.Attributes["portcullis.decision"]);
        Assert.Equal(session, allowed.Attributes["mcp.session.id"]);
        Assert.Equal("deny", denied.Attributes["portcullis.decision"]);
        Assert.Equal("/tools/delete_all/action", denied.Attributes["portcullis.rule_id"]);
        Assert.Equal("policy_denied", denied.Attributes["error.type"]);
        var forwarded = recorder.Requests.Single(r => r.Body.Contains("\"tools/call\"", StringComparison.Ordinal));
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-01$", forwarded.Headers["traceparent"].ToString());
    }

    [Fact]
    public async Task Traces_ToAnUnreachableCollector_LeaveServingUntouched_AndAreLoggedPlainly()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var otlp = new OtlpConfig { Endpoint = new Uri($"http://127.0.0.1:{FreePort()}") };
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(recorder, "untraced", new TelemetryConfig { Otlp = otlp }, logs);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/untraced";
        var session = await McpHttp.OpenSessionAsync(http, url, Token, Cancel);

        var answer = await CallAsync(http, url, session, "echo");

        Assert.Contains("\"text\":\"ok\"", answer, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!logs.Messages.Any(m => m.StartsWith("Telemetry export failed", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        var failure = Assert.Single(logs.Messages, m => m.StartsWith("Telemetry export failed", StringComparison.Ordinal));
        Assert.Contains("The gateway keeps serving", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_SaysWhetherStoresAndUpstreamsAnswer_WithoutNamingServers()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new UpstreamServerConfig { Id = "up", Url = recorder.Url, PolicyText = Policy },
                new UpstreamServerConfig { Id = "secret-down", Url = new Uri($"http://127.0.0.1:{FreePort()}/mcp"), PolicyText = Policy },
            ],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();

        using var answer = await http.GetAsync(app.ListeningAddress() + "/readyz", Cancel);
        var body = await answer.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Contains("upstreams: 1 of 2 unreachable", body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-down", body, StringComparison.Ordinal);
        await using var healthy = await StartAsync(recorder, "healthy", new TelemetryConfig());
        using var ready = await http.GetAsync(healthy.ListeningAddress() + "/readyz", Cancel);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ready","failing":[]}""", await ready.Content.ReadAsStringAsync(Cancel));
    }

    private static async Task<WebApplication> StartAsync(RecordingUpstream recorder, string server, TelemetryConfig telemetry, ILoggerProvider? logs = null)
    {
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Telemetry = telemetry,
            Servers = [new UpstreamServerConfig { Id = server, Url = recorder.Url, PolicyText = Policy }],
            Grants = [new GrantConfig { Name = "agent", Servers = [server], Token = Token }],
        };
        var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging =>
        {
            logging.ClearProviders();
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        }, Cancel);
        await app.StartAsync(Cancel);
        return app;
    }

    private static async Task RawCallAsync(Uri url, string session, string tool, string traceParent)
    {
        var body = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":""" + $"\"{tool}\"" + ""","arguments":{}}}""";
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port, Cancel);
        await using var stream = client.GetStream();
        var request = $"POST {url.AbsolutePath} HTTP/1.1\r\nHost: {url.Authority}\r\nAuthorization: Bearer {Token}\r\nContent-Type: application/json\r\n"
            + $"Accept: application/json, text/event-stream\r\nMcp-Session-Id: {session}\r\ntraceparent: {traceParent}\r\n"
            + $"Content-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request), Cancel);
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync(Cancel);
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
    }

    private static async Task<string> CallAsync(HttpClient http, string url, string session, string tool)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":""" + $"\"{tool}\"" + ""","arguments":{}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        request.Headers.Add("Mcp-Session-Id", session);

        using var response = await http.SendAsync(request, Cancel);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Cancel);
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> for the server, tool and decision.</summary>
    private static double Sample(string scrape, string metric, string server, string tool, string decision)
    {
        var line = Assert.Single(scrape.Split('\n'), l => l.StartsWith(metric + "{", StringComparison.Ordinal)
            && l.Contains($"portcullis_server=\"{server}\"", StringComparison.Ordinal)
            && l.Contains($"gen_ai_tool_name=\"{tool}\"", StringComparison.Ordinal)
            && l.Contains($"portcullis_decision=\"{decision}\"", StringComparison.Ordinal));
        return double.Parse(SampleValue().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<ReceivedSpan> SpanAsync(OtlpReceiver receiver, string name, string server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (receiver.Spans.FirstOrDefault(s => s.Name == name && s.Attributes.GetValueOrDefault("portcullis.server") == server) is { } span)
            {
                return span;
            }

            await Task.Delay(100, Cancel);
        }

        throw new Xunit.Sdk.XunitException($"No span '{name}' for server '{server}' arrived; received: {string.Join(", ", receiver.Spans.Select(s => s.Name))}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"\}\s+([-+0-9.eE]+|NaN|\+Inf)")]
    private static partial Regex SampleValue();
}

/// <summary>Keeps the messages every logger of an application writes at Warning or above.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => [.. _messages];

    public ILogger CreateLogger(string categoryName) => new Logger(_messages);

    public void Dispose()
    {
    }

    private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                messages.Enqueue(formatter(state, exception));
            }
        }
    }
}
