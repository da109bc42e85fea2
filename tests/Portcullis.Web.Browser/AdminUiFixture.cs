using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage;
using Portcullis.TestServers;
using Portcullis.Web.Hosting;

[assembly: AssemblyFixture(typeof(Portcullis.Web.Browser.AdminUiFixture))]

namespace Portcullis.Web.Browser;

/// <summary>
/// One gateway with the admin UI on real Kestrel (loopback, free port, SQLite store) in front of the
/// demo upstream, and one headless Chromium from the machine, shared by every test; each test opens
/// its own browser context (cookies of its own).
/// </summary>
public sealed class AdminUiFixture : IAsyncLifetime
{
    public const string AdminToken = "pca_admin-token-for-browser-tests-0123456789";
    public const string ApproverToken = "pca_approver-token-for-browser-tests-01234567";
    public const string ViewerToken = "pca_viewer-token-for-browser-tests-0123456789";

    /// <summary>code_generate is held for approval; its arguments are kept whole so approvers and the audit page see them.</summary>
    private const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "audit_args": "full",
          "tools": {
            "code_generate": { "action": "require_approval", "reason": "Generated code needs a look.", "approval": { "timeout": 60 } },
            "review_code": {}
          }
        }
        """;

    /// <summary>A second server id in front of the demo upstream, whose policy the builder's tests change (the first keeps its own for the other tests).</summary>
    public const string BuilderServerId = "codex-builder";

    /// <summary>server-everything (npm) behind the gateway, for the builder's tests on a real third-party server.</summary>
    public const string EverythingServerId = "everything";

    /// <summary>server-everything with its echo held for approval.</summary>
    public const string EverythingHeldServerId = "everything-held";

    private const string HeldEchoPolicy = """
        {"version": "1", "default": "deny", "tools": {"echo": {"action": "require_approval", "reason": "Echoes need a person.", "approval": {"timeout": 60}}}}
        """;

    private const string BuilderStartPolicy = """
        {"version": "1", "default": "deny", "tools": {"review_code": {}}}
        """;

    private static readonly System.Text.Json.JsonSerializerOptions s_web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "portcullis-web-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private DemoUpstream? _demo;
    private ServerEverythingServer? _everything;
    private MarkupUpstream? _markup;
    private string? _everythingProblem;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _browserProblem;

    public string BaseUrl { get; private set; } = "";

    public string GrantToken { get; } = GrantRegistry.NewToken();

    internal StoreSet State => _app!.Services.GetRequiredService<StoreSet>();

    /// <summary>The gateway's audit log, to wait until what it queued is in the store.</summary>
    internal AuditLog Audit => _app!.Services.GetRequiredService<AuditLog>();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _demo = await DemoUpstream.StartAsync();
        _everythingProblem = NodePackages.Problem;
        if (_everythingProblem is null)
        {
            _everything = await ServerEverythingServer.StartAsync();
        }

        _markup = await MarkupUpstream.StartAsync();
        UpstreamServerConfig[] servers =
        [
            new UpstreamServerConfig { Id = MarkupUpstream.ServerId, Url = _markup.Url, PolicyText = BuilderStartPolicy },
            new UpstreamServerConfig { Id = DemoUpstream.ServerId, Url = _demo.Url, PolicyText = Policy, Description = DemoUpstream.ServerDescription },
            new UpstreamServerConfig { Id = BuilderServerId, Url = _demo.Url, PolicyText = BuilderStartPolicy, Description = DemoUpstream.ServerDescription },
            .. _everything is null
                ? []
                : new[]
                {
                    new UpstreamServerConfig { Id = EverythingServerId, Url = _everything.Url, PolicyText = BuilderStartPolicy },
                    new UpstreamServerConfig { Id = EverythingHeldServerId, Url = _everything.Url, PolicyText = HeldEchoPolicy },
                },
        ];
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = StoreConfig.Sqlite(Path.Combine(_directory, "portcullis.db")),
            Admins =
            [
                new AdminConfig { Name = "ops", Token = AdminToken, Role = AdminRole.Admin },
                new AdminConfig { Name = "reviewer", Token = ApproverToken, Role = AdminRole.Approver },
                new AdminConfig { Name = "watcher", Token = ViewerToken, Role = AdminRole.Viewer },
            ],
            Servers = [.. servers],
            Grants = [new GrantConfig { Name = "agent", Servers = [.. servers.Select(s => s.Id)], Token = GrantToken, Labels = ImmutableDictionary<string, string>.Empty }],
        };
        // Every test signs in from the same address; the sign-in limit has a test of its own.
        _app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, [AdminUi.WithSignInLimit(10_000)], ShowLogsWhenAsked);
        await _app.StartAsync();
        BaseUrl = _app.ListeningAddress();

        if (FindChromium() is not { } chromium)
        {
            _browserProblem = "Chromium is not installed (apt-get update && apt-get install -y chromium).";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
    }

    /// <summary>No log unless PORTCULLIS_TEST_LOGS=1, which shows the gateway's and Blazor's (circuit failures are logged only at debug level).</summary>
    private static void ShowLogsWhenAsked(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("PORTCULLIS_TEST_LOGS") == "1")
        {
            logging.AddConsole();
            logging.AddFilter("Microsoft.AspNetCore.Components", LogLevel.Debug);
        }
    }

    /// <summary>A fresh browser context (no cookies) on the gateway, or on another one at <paramref name="baseUrl"/>; skips, or in CI fails, without Chromium.</summary>
    public async Task<IBrowserContext> NewContextAsync(string? baseUrl = null)
    {
        ExternalComponent.Require(_browserProblem);
        return await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl ?? BaseUrl });
    }

    /// <summary>A page signed in with <paramref name="token"/>, on the overview.</summary>
    public async Task<IPage> SignInAsync(IBrowserContext context, string token)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/admin/sign-in");
        await page.GetByLabel("Admin token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The URL rather than the load event, which was seen to arrive late on a busy machine.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin$"));
        return page;
    }

    /// <summary>
    /// Calls <paramref name="tool"/> <paramref name="count"/> times through the gateway with the
    /// official TypeScript SDK client (one session, after listing the tools); skips, or in CI fails,
    /// without node and the npm packages.
    /// </summary>
    public async Task<ScriptedCalls> CallWithTypeScriptClientAsync(string serverId, string tool, string arguments, int count)
    {
        ExternalComponent.Require(NodePackages.Problem);
        var output = await NodePackages.RunScriptAsync("call-tool.mjs", $"{BaseUrl}/mcp/{serverId}", GrantToken, tool, arguments,
            count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return System.Text.Json.JsonSerializer.Deserialize<ScriptedCalls>(output, s_web)!;
    }

    /// <summary>
    /// Calls server-everything's echo, which the gateway holds for approval, with the official
    /// TypeScript SDK client; the task ends with what the client got once someone decides.
    /// </summary>
    public async Task<ScriptedResult> CallHeldEchoWithTypeScriptClientAsync()
    {
        RequireServerEverything();
        var output = await NodePackages.RunScriptAsync("held-call.mjs", $"{BaseUrl}/mcp/{EverythingHeldServerId}", GrantToken);
        return System.Text.Json.JsonSerializer.Deserialize<ScriptedResult>(output, s_web)!;
    }

    /// <summary>Skips, or in CI fails, when server-everything could not be started.</summary>
    public void RequireServerEverything() => ExternalComponent.Require(_everythingProblem);

    /// <summary>An official MCP C# SDK client through the gateway with the fixture's grant.</summary>
    public async Task<McpClient> ConnectAgentAsync()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{BaseUrl}/mcp/{DemoUpstream.ServerId}"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + GrantToken },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_demo is not null)
        {
            await _demo.DisposeAsync();
        }

        if (_everything is not null)
        {
            await _everything.DisposeAsync();
        }

        if (_markup is not null)
        {
            await _markup.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Debian's chromium, as <c>command -v chromium</c> finds it.</summary>
    private static string? FindChromium()
    {
        using var which = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "command -v chromium"]) { RedirectStandardOutput = true });
        var path = which!.StandardOutput.ReadToEnd().Trim();
        which.WaitForExit();
        return which.ExitCode == 0 && File.Exists(path) ? path : null;
    }
}

/// <summary>What the TypeScript client script saw: the tools listed and each call's result.</summary>
public sealed record ScriptedCalls(IReadOnlyList<string> Tools, IReadOnlyList<ScriptedResult> Results);

/// <summary>One call's result: whether it was an error, and its text.</summary>
public sealed record ScriptedResult(bool IsError, string Text);
