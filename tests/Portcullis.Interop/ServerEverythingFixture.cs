using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;

[assembly: AssemblyFixture(typeof(Portcullis.Interop.ServerEverythingFixture))]

namespace Portcullis.Interop;

/// <summary>
/// <c>@modelcontextprotocol/server-everything</c> as real node processes behind a gateway on real
/// Kestrel: in its Streamable HTTP mode on a free loopback port, and in its stdio mode, started
/// by the gateway for each session.
/// </summary>
public sealed class ServerEverythingFixture : IAsyncLifetime
{
    public const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "hide": ["get-env"],
          "tools": {
            "echo": {},
            "get-sum": { "limits": [{ "counter": "sum", "window": "minute", "max": 2, "scope": "grant" }] },
            "trigger-long-running-operation": {},
            "trigger-sampling-request": {}
          }
        }
        """;

    public const string HeldPolicy = """
        {"version": "1", "default": "deny", "tools": {"echo": {"action": "require_approval", "reason": "Echoes need a person.", "approval": {"timeout": 60}}}}
        """;

    /// <summary>
    /// get-sum checked against server-everything's own schema (a and b numbers, both required; it
    /// lets other properties through) and the operator's on top: a at most 100, nothing else.
    /// </summary>
    public const string ValidatedPolicy = """
        {"version": "1", "default": "deny",
         "tools": {"get-sum": {"validate_args": {"properties": {"a": {"maximum": 100}, "b": true}, "additionalProperties": false}}}}
        """;

    /// <summary>Every tool allowed: the gateway as a plain relay, for the conformance suite.</summary>
    public const string OpenPolicy = """
        {"version": "1", "default": "allow"}
        """;

    public const string AdminToken = "pca_interop-admin-token-0123456789abcdef";

    private Process? _server;
    private WebApplication? _gateway;

    public string DirectUrl { get; private set; } = "";

    public string GatewayUrl { get; private set; } = "";

    /// <summary>The gateway's URL for server-everything under a policy that holds <c>echo</c> for approval.</summary>
    public string HeldGatewayUrl { get; private set; } = "";

    /// <summary>The gateway's URL for server-everything under a policy that allows every tool.</summary>
    public string OpenGatewayUrl { get; private set; } = "";

    /// <summary>The gateway's admin API.</summary>
    public string AdminUrl { get; private set; } = "";

    /// <summary>The gateway's root URL; <c>/mcp/&lt;server id&gt;</c> below it.</summary>
    public string GatewayBaseUrl { get; private set; } = "";

    /// <summary>The same server started by the gateway as a stdio process, one per session.</summary>
    public string StdioGatewayUrl { get; private set; } = "";

    internal GrantRegistry? Grants => _gateway?.Services.GetRequiredService<GrantRegistry>();

    public bool Available { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(NodeTools.ServerEverything))
        {
            return;
        }

        var port = NodeTools.FreePort();
        _server = NodeTools.Start([NodeTools.ServerEverything, "streamableHttp"], new Dictionary<string, string> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _ = _server.StandardOutput.ReadToEndAsync();
        _ = _server.StandardError.ReadToEndAsync();
        await WaitForPortAsync(port);
        DirectUrl = $"http://127.0.0.1:{port}/mcp";

        var policyPath = Path.Combine(Path.GetTempPath(), $"portcullis-interop-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(policyPath, Policy);
        var heldPolicyPath = Path.Combine(Path.GetTempPath(), $"portcullis-interop-held-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(heldPolicyPath, HeldPolicy);
        var validatedPolicyPath = Path.Combine(Path.GetTempPath(), $"portcullis-interop-validated-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(validatedPolicyPath, ValidatedPolicy);
        var openPolicyPath = Path.Combine(Path.GetTempPath(), $"portcullis-interop-open-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(openPolicyPath, OpenPolicy);
        _gateway = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Admins = [new AdminConfig { Name = "interop-approver", Token = AdminToken }],
            ApprovalHeartbeat = TimeSpan.FromMilliseconds(300),
            Servers =
            [
                new UpstreamServerConfig { Id = "everything", Url = new Uri(DirectUrl), PolicyPath = policyPath },
                new UpstreamServerConfig { Id = "everything-held", Url = new Uri(DirectUrl), PolicyPath = heldPolicyPath },
                new UpstreamServerConfig { Id = "everything-validated", Url = new Uri(DirectUrl), PolicyPath = validatedPolicyPath },
                new UpstreamServerConfig { Id = "everything-open", Url = new Uri(DirectUrl), PolicyPath = openPolicyPath },
                StdioServer("everything-stdio-validated", validatedPolicyPath),
                StdioServer("everything-stdio", policyPath),
            ],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _gateway.StartAsync();
        var address = _gateway.ListeningAddress();
        GatewayUrl = address + "/mcp/everything";
        StdioGatewayUrl = address + "/mcp/everything-stdio";
        HeldGatewayUrl = address + "/mcp/everything-held";
        OpenGatewayUrl = address + "/mcp/everything-open";
        GatewayBaseUrl = address;
        AdminUrl = address + "/admin/api";
        Available = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }

        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
    }

    /// <summary>server-everything started over stdio by the gateway, one process per session.</summary>
    private static UpstreamServerConfig StdioServer(string id, string policyPath) => new()
    {
        Id = id,
        Url = new Uri($"stdio://{id}"),
        Command = "node",
        Arguments = [NodeTools.ServerEverything, "stdio"],
        PolicyPath = policyPath,
    };

    public string NewGrant()
    {
        var token = GrantRegistry.NewToken();
        Grants!.Add("interop-" + Guid.NewGuid().ToString("N")[..8], token, ["everything", "everything-stdio", "everything-held", "everything-validated", "everything-stdio-validated", "everything-open"]);
        return token;
    }

    private async Task WaitForPortAsync(int port)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (_server!.HasExited)
            {
                throw new InvalidOperationException($"server-everything exited with {_server.ExitCode} before listening.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"server-everything did not listen on port {port} within 15 s.");
    }
}
