using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Pinning;

/// <summary>A gateway on real Kestrel in front of one upstream, server id <c>rug</c>, with the pinning mode and store a test asks for.</summary>
internal sealed class PinnedGateway : IAsyncDisposable
{
    public const string ServerId = "rug";

    public const string Token = "pcg_pinning-test-token-0123456789abcdefghij";

    public const string AdminToken = "pca_pinning-admin-token-0123456789abcdef";

    private readonly WebApplication _app;

    private PinnedGateway(WebApplication app) => _app = app;

    public HttpClient Http { get; } = new();

    public StoreSet State => _app.Services.GetRequiredService<StoreSet>();

    public AuditLog Audit => _app.Services.GetRequiredService<AuditLog>();

    public string McpUrl => $"{_app.ListeningAddress()}/mcp/{ServerId}";

    public static async Task<PinnedGateway> StartAsync(Uri upstream, PinningMode pinning, StoreConfig? store = null, string? spillDirectory = null)
    {
        var app = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = store ?? StoreConfig.Memory,
            Audit = spillDirectory is null ? new AuditConfig() : new AuditConfig { SpillDirectory = spillDirectory },
            Servers = [new UpstreamServerConfig { Id = ServerId, Url = upstream, PolicyText = """{"version": "1", "default": "allow"}""", Pinning = pinning }],
            Grants = [new GrantConfig { Name = "agent", Servers = [ServerId], Token = Token }],
            Admins = [new AdminConfig { Name = "ops", Token = AdminToken, Role = AdminRole.Admin }],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await app.StartAsync();
        return new PinnedGateway(app);
    }

    public Task<McpClient> ConnectAsync() => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(McpUrl),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
    }), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A request to the admin API with the admin token.</summary>
    public async Task<(int Status, string Body)> AdminAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, $"{_app.ListeningAddress()}/admin/api/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Admin records with <paramref name="action"/>, once everything recorded so far is in the store.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AdminRecordsAsync(string action)
    {
        await Audit.FlushAsync(TestContext.Current.CancellationToken);
        var records = await State.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin, Limit = 1000 }, TestContext.Current.CancellationToken);
        return [.. records.Where(r => r.Action == action)];
    }

    /// <summary>Call records of tool <paramref name="tool"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> CallRecordsAsync(string tool)
    {
        await Audit.FlushAsync(TestContext.Current.CancellationToken);
        return await State.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Call, Tool = tool, Limit = 1000 }, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
