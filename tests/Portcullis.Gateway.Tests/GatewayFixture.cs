using System.Collections.Immutable;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Gateway.Policies;

[assembly: AssemblyFixture(typeof(Portcullis.Gateway.Tests.GatewayFixture))]

namespace Portcullis.Gateway.Tests;

/// <summary>
/// One gateway on real Kestrel (loopback, free port) in front of the demo upstream ("codex",
/// policy from a file it watches) and a recording upstream ("recorder"), shared by all tests.
/// Tests isolate themselves with a grant of their own.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string CodexPolicy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": {
              "limits": [{ "counter": "code_generate_rate", "window": "minute", "max": 3, "scope": "grant" }],
              "deny_if": [{ "conditions": [{ "path": "args.language", "op": "in", "value": ["bash", "powershell"] }],
                            "on_deny": "Shell generation is not allowed." }]
            },
            "review_code": {},
            "describe_codebase": { "action": "deny", "reason": "Reads arbitrary local paths." }
          }
        }
        """;

    public const string AdminToken = "pca_admin-token-for-tests-0123456789abcdef";

    public const string ApproverToken = "pca_approver-token-for-tests-0123456789ab";

    private const string RecorderPolicy = """{"version": "1", "default": "allow", "hide": ["delete_*"]}""";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "portcullis-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;

    internal DemoUpstream Demo { get; private set; } = null!;

    internal RecordingUpstream Recorder { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public string CodexPolicyPath => Path.Combine(_directory, "codex.json");

    public string ExtraPolicyPath => Path.Combine(_directory, "extra.json");

    internal GrantRegistry Grants => _app.Services.GetRequiredService<GrantRegistry>();

    internal PolicyRegistry Policies => _app.Services.GetRequiredService<PolicyRegistry>();

    internal Portcullis.Storage.StoreSet State => _app.Services.GetRequiredService<Portcullis.Storage.StoreSet>();

    internal Portcullis.Gateway.Audit.AuditLog Audit => _app.Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>();

    public HttpClient Http { get; } = new();

    /// <summary>One of the gateway's services, for tests that drive a part directly.</summary>
    internal T Service<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(CodexPolicyPath, CodexPolicy);
        await File.WriteAllTextAsync(ExtraPolicyPath, CodexPolicy);
        await File.WriteAllTextAsync(Path.Combine(_directory, "recorder.json"), RecorderPolicy);
        Demo = await DemoUpstream.StartAsync();
        Recorder = await RecordingUpstream.StartAsync();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            AllowedOrigins = ["http://localhost:3000"],
            Admins =
            [
                new AdminConfig { Name = "ops", Token = AdminToken, Role = AdminRole.Admin },
                new AdminConfig { Name = "reviewer", Token = ApproverToken, Role = AdminRole.Approver },
            ],
            Servers =
            [
                new UpstreamServerConfig { Id = "codex", Url = Demo.Url, PolicyPath = CodexPolicyPath },
                new UpstreamServerConfig { Id = "extra", Url = Demo.Url, PolicyPath = ExtraPolicyPath },
                new UpstreamServerConfig
                {
                    Id = "recorder",
                    Url = Recorder.Url,
                    PolicyPath = Path.Combine(_directory, "recorder.json"),
                    Headers = ImmutableDictionary<string, string>.Empty.Add("X-Upstream-Key", "upstream-credential"),
                },
            ],
        };
        _app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _app.StartAsync();
        BaseUrl = _app.ListeningAddress();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Demo.DisposeAsync();
        await Recorder.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A fresh grant for the given servers; returns its token.</summary>
    public string NewGrant(params string[] servers)
    {
        var token = GrantRegistry.NewToken();
        Grants.Add("test-" + Guid.NewGuid().ToString("N")[..8], token, servers.Length == 0 ? ["codex"] : servers);
        return token;
    }

    public string McpUrl(string server = "codex") => $"{BaseUrl}/mcp/{server}";

    /// <summary>An official C# SDK client connected through the gateway.</summary>
    public async Task<McpClient> ConnectAsync(string token, string server = "codex")
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(McpUrl(server)),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>A raw POST to the gateway, for protocol edge cases the SDK would never send.</summary>
    public async Task<HttpResponseMessage> PostAsync(string body, string? token, string server = "codex", string? session = null,
        string contentType = "application/json", Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, McpUrl(server));
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        headers?.Invoke(request.Headers);
        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
        """;

    /// <summary>Opens a session with a raw initialize and returns the gateway's session id.</summary>
    public async Task<string> OpenSessionAsync(string token, string server = "codex")
    {
        using var response = await PostAsync(Initialize, token, server);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
