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

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>
/// Gateway instances on real Kestrel sharing one store, each with its own copy of the policy file
/// (as separate machines would have), in front of one demo upstream of their own.
/// </summary>
internal sealed class GatewayCluster : IAsyncDisposable
{
    public const string Token = "pcg_cluster-test-token-0123456789abcdefghij";

    public const string AdminToken = "pca_cluster-admin-token-0123456789abcdef";

    public const string ApproverToken = "pca_cluster-approver-token-0123456789ab";

    public const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": { "limits": [{ "counter": "generate", "window": "day", "max": 100, "scope": "grant" }] },
            "review_code": {}
          }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-cluster-").FullName;
    private readonly List<WebApplication> _instances = [];

    private GatewayCluster(DemoUpstream upstream) => Upstream = upstream;

    public DemoUpstream Upstream { get; }

    public IReadOnlyList<WebApplication> Instances => _instances;

    /// <summary>Runs <paramref name="test"/> on a SQLite file in a directory of its own, deleted afterwards.</summary>
    public static async Task OnTemporarySqliteFileAsync(string name, Func<StoreConfig, Task> test)
    {
        var directory = Directory.CreateTempSubdirectory($"portcullis-{name}-").FullName;
        try
        {
            await test(StoreConfig.Sqlite(Path.Combine(directory, "state.db")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    public static async Task<GatewayCluster> StartAsync(StoreConfig store, int instances, FailMode failMode = FailMode.Closed, string policy = Policy)
    {
        var cluster = new GatewayCluster(await DemoUpstream.StartAsync());
        try
        {
            for (var i = 0; i < instances; i++)
            {
                await cluster.StartInstanceAsync(store, failMode, policy);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts one more instance; <paramref name="policyFile"/> picks an existing instance's policy file (as a restart on the same machine would).</summary>
    public async Task<WebApplication> StartInstanceAsync(StoreConfig store, FailMode failMode = FailMode.Closed, string policy = Policy, int? policyFile = null,
        AuditConfig? audit = null)
    {
        var policyPath = PolicyPath(policyFile ?? _instances.Count);
        if (!File.Exists(policyPath))
        {
            await File.WriteAllTextAsync(policyPath, policy);
        }

        var app = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = store,
            FailMode = failMode,
            Audit = audit ?? new AuditConfig { SpillDirectory = Path.Combine(_directory, "audit-spill") },
            Servers = [new UpstreamServerConfig { Id = "codex", Url = Upstream.Url, PolicyPath = policyPath }],
            Grants = [new GrantConfig { Name = "agent", Token = Token, Servers = ["codex"] }],
            Admins =
            [
                new AdminConfig { Name = "ops", Token = AdminToken },
                new AdminConfig { Name = "reviewer", Token = ApproverToken, Role = AdminRole.Approver },
            ],
            ApprovalHeartbeat = TimeSpan.FromMilliseconds(200),
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await app.StartAsync();
        _instances.Add(app);
        return app;
    }

    /// <summary>The policy file of instance <paramref name="index"/>.</summary>
    public string PolicyPath(int index) => Path.Combine(_directory, $"policy-{index}.json");

    public PolicyRegistry Policies(int index) => _instances[index].Services.GetRequiredService<PolicyRegistry>();

    public GrantRegistry Grants(int index) => _instances[index].Services.GetRequiredService<GrantRegistry>();

    public Portcullis.Gateway.Audit.AuditLog Audit(int index) => _instances[index].Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>();

    public Portcullis.Storage.StoreSet State(int index) => _instances[index].Services.GetRequiredService<Portcullis.Storage.StoreSet>();

    public Uri AdminUrl(int index, string path) => new($"{_instances[index].ListeningAddress()}/admin/api/{path}");

    public Uri McpUrl(int index) => new($"{_instances[index].ListeningAddress()}/mcp/codex");

    /// <summary>
    /// A C# SDK client whose every HTTP request goes to the next instance in turn, as behind a
    /// round-robin load balancer. <paramref name="requests"/> records which instance served each.
    /// </summary>
    public async Task<McpClient> ConnectRoundRobinAsync(List<int> requests, string token = Token, CancellationToken cancellationToken = default)
    {
        var http = new HttpClient(new RoundRobinHandler([.. _instances.Select((_, i) => McpUrl(i))], requests));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = McpUrl(0),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }, http, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    /// <summary>A C# SDK client connected to one instance.</summary>
    public async Task<McpClient> ConnectAsync(int index, string token = Token, CancellationToken cancellationToken = default)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = McpUrl(index),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    public async Task StopInstanceAsync(int index)
    {
        await _instances[index].StopAsync();
        await _instances[index].DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _instances)
        {
            try
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // Stopped by the test.
            }
        }

        await Upstream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class RoundRobinHandler(Uri[] instances, List<int> requests) : DelegatingHandler(new HttpClientHandler())
    {
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)instances.Length);
            lock (requests)
            {
                requests.Add(index);
            }

            request.RequestUri = new UriBuilder(request.RequestUri!) { Port = instances[index].Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
