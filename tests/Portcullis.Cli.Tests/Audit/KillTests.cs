using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Portcullis.Cli.Demo;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Cli.Tests.Audit;

/// <summary>
/// <c>kill -9</c> of a gateway process under load: the audit log loses at most the records of
/// calls in flight (forwarded, not yet recorded), never records of calls finished earlier, and
/// what was written still verifies.
/// </summary>
public sealed class KillTests : IAsyncLifetime
{
    private const string Token = "pcg_kill-test-token-0123456789abcdefghijkl";
    private const int Concurrency = 16;

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-kill-").FullName;
    private DemoUpstream _upstream = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await DemoUpstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 120_000)]
    public async Task Kill9UnderLoad_LosesAtMostTheCallsInFlight()
    {
        var cancel = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(Path.Combine(_directory, "policy.json"), """{"version": "1", "default": "allow"}""", Cancel);
        var config = Path.Combine(_directory, "portcullis.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "listen": "http://127.0.0.1:0",
              "store": "sqlite:state.db",
              "servers": [{ "id": "codex", "url": "{{_upstream.Url}}", "policy": "policy.json" }],
              "grants": [{ "name": "agent", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """, Cancel);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { CliRunner.Assembly, "serve", "--config", config })
        {
            start.ArgumentList.Add(argument);
        }

        using var gateway = Process.Start(start)!;
        _ = gateway.StandardError.ReadToEndAsync(Cancel);
        // The gateway picks its own port and names its URL once it listens, so no other test's gateway can be the one answering.
        var url = await ListeningUrlAsync(gateway);
        _ = gateway.StandardOutput.ReadToEndAsync(Cancel);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var session = await PostAsync(http, url, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);

        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await PostAsync(http, url, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"review_code","arguments":{"code":"x"}}}""", session);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    return; // The gateway is gone.
                }
            }
        })).ToList();
        while (_upstream.ToolCallsServed < 500)
        {
            await Task.Delay(5, Cancel);
        }

        gateway.Kill();
        await gateway.WaitForExitAsync(cancel);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        await using var store = new SqliteAuditStore(Path.Combine(_directory, "state.db"));
        var recorded = (await store.QueryAsync(new AuditQuery { Kind = AuditKinds.Call, Limit = 100_000 }, Cancel)).Count;
        var served = _upstream.ToolCallsServed;
        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync(Cancel))
        {
            all.Add(record);
        }

        var verification = AuditVerifier.Verify(all, []);
        TestContext.Current.SendDiagnosticMessage($"kill -9 after {served} served calls: {recorded} recorded, {served - recorded} lost.");
        Assert.True(verification.Intact, verification.Problem);
        Assert.InRange(recorded, served - (2 * Concurrency), served);
    }

    /// <summary>The MCP URL of server <c>codex</c> from the line <c>serve</c> prints once it listens (<c>codex: URL → upstream</c>).</summary>
    private static async Task<Uri> ListeningUrlAsync(Process gateway)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        waiting.CancelAfter(TimeSpan.FromSeconds(60));
        while (await gateway.StandardOutput.ReadLineAsync(waiting.Token) is { } line)
        {
            if (line.StartsWith("codex: ", StringComparison.Ordinal))
            {
                return new Uri(line["codex: ".Length..].Split(' ')[0]);
            }
        }

        throw new InvalidOperationException($"The gateway ended (exit code {(gateway.HasExited ? gateway.ExitCode : -1)}) before it named its URL.");
    }

    private static async Task<string> PostAsync(HttpClient http, Uri url, string body, string? session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync();
        return session ?? response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
