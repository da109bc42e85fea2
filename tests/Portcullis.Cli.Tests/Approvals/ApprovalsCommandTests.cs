using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Cli.Tests.Approvals;

/// <summary><c>portcullis approvals</c> deciding calls that a running gateway holds, through the shared SQLite store.</summary>
public sealed partial class ApprovalsCommandTests : IAsyncLifetime
{
    private const string Token = "pcg_approvals-test-token-0123456789abcdefg";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-approvals-cli-").FullName;
    private DemoUpstream _upstream = null!;
    private WebApplication _gateway = null!;
    private readonly HttpClient _http = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string ConfigPath => Path.Combine(_directory, "portcullis.json");

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory, "policy.json"), """
            {"version": "1", "default": "deny", "tools": {"code_generate": {"action": "require_approval", "reason": "Needs a look.", "approval": {"timeout": 60}}}}
            """);
        await File.WriteAllTextAsync(ConfigPath, $$"""
            {
              "store": "sqlite:state.db",
              "servers": [{ "id": "codex", "url": "{{_upstream.Url}}", "policy": "policy.json" }],
              "grants": [{ "name": "agent", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """);
        var (config, errors) = ConfigLoader.LoadFile(ConfigPath);
        Assert.Empty(errors);
        _gateway = await GatewayApp.BuildAsync(config! with { Listen = new Uri("http://127.0.0.1:0") }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _gateway.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ListShowApproveDeny_DecideTheCallsTheGatewayHolds()
    {
        var session = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);
        var first = PostAsync(Call("first"), session);
        var firstId = await PendingIdAsync();
        var second = PostAsync(Call("second"), session);
        string secondId;
        do
        {
            secondId = ApprovalId().Matches(CliRunner.Run("approvals", "list", "--config", ConfigPath).Output).Select(m => m.Value).FirstOrDefault(id => id != firstId) ?? "";
        }
        while (secondId.Length == 0 && await Delay());

        var list = CliRunner.Run("approvals", "list", "--config", ConfigPath);
        var show = CliRunner.Run("approvals", "show", "--config", ConfigPath, firstId);
        var approved = CliRunner.Run("approvals", "approve", "--config", ConfigPath, firstId, "--comment", "fine");
        var denied = CliRunner.Run("approvals", "deny", "--config", ConfigPath, secondId, "--comment", "too broad");
        var again = CliRunner.Run("approvals", "approve", "--config", ConfigPath, firstId);
        var unknown = CliRunner.Run("approvals", "deny", "--config", ConfigPath, "apr_nope");

        Assert.Contains("2 approval(s).", list.Output, StringComparison.Ordinal);
        Assert.Matches(@"status\s+pending", show.Output);
        Assert.Matches(@"arguments\s+\{""description"":""first""\}", show.Output);
        Assert.Equal(0, approved.ExitCode);
        Assert.Contains($"Approved {firstId}: code_generate on 'codex' for grant 'agent'.", approved.Output, StringComparison.Ordinal);
        Assert.Equal(0, denied.ExitCode);
        Assert.Equal((1, 1), (again.ExitCode, unknown.ExitCode));
        Assert.Contains("is already approved", again.Error, StringComparison.Ordinal);
        Assert.Contains("No approval has id 'apr_nope'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("[demo:", await first.WaitAsync(TimeSpan.FromSeconds(10), Cancel), StringComparison.Ordinal);
        Assert.Matches(@"\[POLICY DENIED\] Denied by cli:[^:]+: too broad", await second.WaitAsync(TimeSpan.FromSeconds(10), Cancel));
        Assert.Equal(1, _upstream.ToolCallsServed);
    }

    [Fact]
    public async Task Show_UnderAuditArgsKeys_ShowsTheValuesRedacted()
    {
        var session = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);
        var held = PostAsync(Call("mail ops@example.com the sum"), session);
        var id = await PendingIdAsync();

        var show = CliRunner.Run("approvals", "show", "--config", ConfigPath, id);
        CliRunner.Run("approvals", "deny", "--config", ConfigPath, id);
        await held.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        Assert.Equal(0, show.ExitCode);
        Assert.Matches(@"arguments\s+\{""description"":""mail \[REDACTED:email\] the sum""\}", show.Output);
        Assert.DoesNotContain("ops@example.com", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditQueryAndCsvExport_AfterACliApproval_ShowTheActor_AndRunInTimeOrder()
    {
        var session = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);
        var held = PostAsync(Call("first"), session);
        var id = await PendingIdAsync();
        Assert.Equal(0, CliRunner.Run("approvals", "approve", "--config", ConfigPath, id).ExitCode);
        await held.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        // The gateway's record of the forwarded call (after the approval) reaches the store shortly after the answer.
        while (!CliRunner.Run("audit", "query", "--config", ConfigPath, "--decision", "allow", "--json").Output.Contains("approved by", StringComparison.Ordinal))
        {
            await Delay();
        }

        var table = CliRunner.Run("audit", "query", "--config", ConfigPath, "--kind", "admin");
        var csv = CliRunner.Run("audit", "export", "--config", ConfigPath, "--format", "csv");

        var row = Assert.Single(table.Output.Split('\n'), line => line.Contains("approval.approved", StringComparison.Ordinal));
        Assert.Contains($"cli:{Environment.UserName}@{Environment.MachineName}", row, StringComparison.Ordinal);
        Assert.DoesNotContain("agent", row, StringComparison.Ordinal);
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var times = lines.Select(line => line.Split(',')[0]).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
        var decisions = lines.Select(line => line.Contains("approval_requested", StringComparison.Ordinal) ? "requested"
            : line.Contains("approval.approved", StringComparison.Ordinal) ? "approved"
            : line.Contains(",call,allow,", StringComparison.Ordinal) ? "allow" : null).OfType<string>();
        Assert.Equal(["requested", "approved", "allow"], decisions);
    }

    private async Task<string> PendingIdAsync()
    {
        while (true)
        {
            var match = ApprovalId().Match(CliRunner.Run("approvals", "list", "--config", ConfigPath).Output);
            if (match.Success)
            {
                return match.Value;
            }

            await Delay();
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50, Cancel);
        return true;
    }

    private static string Call(string description) =>
        $$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"{{description}}"}""" + "}}";

    private async Task<string> PostAsync(string body, string? session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_gateway.ListeningAddress()}/mcp/codex") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        using var response = await _http.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return session is null ? response.Headers.GetValues("Mcp-Session-Id").Single() : text;
    }

    [GeneratedRegex("apr_[0-9a-f]{32}")]
    private static partial Regex ApprovalId();
}
