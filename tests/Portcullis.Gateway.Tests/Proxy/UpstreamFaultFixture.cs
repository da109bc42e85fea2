using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// A gateway of its own, configured from a configuration file's text with small limits, in front
/// of two <see cref="MisbehavingUpstream"/>s. Several server entries lead to the first one, each
/// with its own limits, so that the failures one test provokes (which count against a server's
/// circuit breaker) do not change what another sees:
/// <c>faulty</c> (2 s, 1 MiB, no breaker), <c>narrow</c> (two calls at once), <c>fragile</c>
/// (a breaker that opens quickly), <c>list-*</c> (a broken <c>tools/list</c>); <c>steady</c>
/// leads to the second upstream.
/// </summary>
public sealed class UpstreamFaultFixture : IAsyncLifetime
{
    public const int MaxResponseBytes = 1024 * 1024;

    public static readonly TimeSpan BreakDuration = TimeSpan.FromMilliseconds(500);

    private const string Policy = """{"version": "1", "default": "allow", "hide": ["delete_*"]}""";

    private const string NarrowPolicy = """
        {
          "version": "1",
          "default": "allow",
          "hide": ["delete_*"],
          "tools": { "slow_ok": { "limits": [{ "counter": "slow", "window": "day", "max": 3, "scope": "grant" }] } }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-faults-").FullName;
    private WebApplication _app = null!;

    internal MisbehavingUpstream Upstream { get; private set; } = null!;

    internal MisbehavingUpstream Other { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Upstream = await MisbehavingUpstream.StartAsync();
        Other = await MisbehavingUpstream.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory, "policy.json"), Policy);
        await File.WriteAllTextAsync(Path.Combine(_directory, "narrow.json"), NarrowPolicy);
        var config = $$"""
            {
              "listen": "http://127.0.0.1:0",
              "store": "memory",
              "servers": [
                { "id": "faulty", "url": "{{Upstream.Url}}", "policy": "policy.json",
                  "timeout": "2s", "max_response_bytes": {{MaxResponseBytes}}, "max_concurrent_calls": 8, "circuit_breaker": false },
                { "id": "narrow", "url": "{{Upstream.Url}}", "policy": "narrow.json", "timeout": "5s", "max_concurrent_calls": 2, "circuit_breaker": false },
                { "id": "fragile", "url": "{{Upstream.Url}}", "policy": "policy.json", "timeout": "1s",
                  "circuit_breaker": { "failure_ratio": 0.5, "minimum_throughput": 2, "sampling_duration": "30s", "break_duration": "{{BreakDuration.TotalMilliseconds}}ms" } },
                { "id": "list-deep", "url": "{{Upstream.ListUrl(ToolListMode.Deep)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "list-wrong-id", "url": "{{Upstream.ListUrl(ToolListMode.WrongId)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "list-no-tools", "url": "{{Upstream.ListUrl(ToolListMode.NoTools)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "list-case-result", "url": "{{Upstream.ListUrl(ToolListMode.CaseResult)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "list-case-tools", "url": "{{Upstream.ListUrl(ToolListMode.CaseTools)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "list-method-result", "url": "{{Upstream.ListUrl(ToolListMode.MethodWithResult)}}", "policy": "policy.json", "timeout": "1s", "circuit_breaker": false },
                { "id": "steady", "url": "{{Other.Url}}", "policy": "policy.json", "timeout": "1s" }
              ]
            }
            """;
        var (loaded, errors) = ConfigLoader.Load(config, _directory, _ => null);
        if (loaded is null || errors.Count > 0)
        {
            throw new InvalidOperationException("The test configuration is invalid: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        }

        _app = await GatewayApp.BuildAsync(loaded, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _app.StartAsync();
        BaseUrl = _app.ListeningAddress();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Upstream.DisposeAsync();
        await Other.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A fresh grant for <paramref name="servers"/>, so a test finds its own audit records by the grant's name.</summary>
    public (string Token, string Grant) NewGrant(params string[] servers)
    {
        var token = GrantRegistry.NewToken();
        var name = "faults-" + Guid.NewGuid().ToString("N")[..8];
        _app.Services.GetRequiredService<GrantRegistry>().Add(name, token, servers);
        return (token, name);
    }

    public string McpUrl(string server) => $"{BaseUrl}/mcp/{server}";

    /// <summary>A raw POST, as a client that reads status and body itself.</summary>
    public async Task<HttpResponseMessage> PostAsync(string server, string body, string token, string? session = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, McpUrl(server));
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Opens a session with a raw initialize and returns the gateway's session id.</summary>
    public async Task<string> OpenSessionAsync(string server, string token)
    {
        using var response = await PostAsync(server, GatewayFixture.Initialize, token, cancellationToken: TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    /// <summary>An official C# SDK client connected through the gateway.</summary>
    public async Task<McpClient> ConnectAsync(string server, string token)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(McpUrl(server)),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>The call records of <paramref name="grant"/>, oldest first, once everything recorded so far is stored.</summary>
    public async Task<IReadOnlyList<AuditRecord>> CallRecordsAsync(string grant)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await _app.Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>().FlushAsync(cancellationToken);
        var store = _app.Services.GetRequiredService<Portcullis.Storage.StoreSet>().Audit;
        return [.. (await store.QueryAsync(new AuditQuery { Grant = grant, Kind = AuditKinds.Call }, cancellationToken)).Reverse()];
    }
}
