using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Cli.Demo;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Cli.Tests.Audit;

/// <summary>
/// <c>kill -9</c> of a gateway process: under load, the audit log loses at most the records of
/// calls in flight (forwarded, not yet recorded), never records of calls finished earlier, and
/// what was written still verifies; the owner of a SQLite file's limit counters loses at most the
/// counts it decided since its last write to the file, a tenth of a second.
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
        var config = await WriteConfigAsync("""{"version": "1", "default": "allow"}""");
        using var gateway = Process.Start(GatewayStart(config))!;
        var url = await ListeningUrlAsync(gateway);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var session = await InitializeAsync(http, url);

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
            await Task.Delay(5, cancel);
        }

        await KillAsync(gateway);
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

    [Fact(Timeout = 120_000)]
    public async Task Kill9OfTheCountersOwner_KeepsTheCountsItHadWritten_AndTheNextGatewayOwnsThem()
    {
        const int Max = 12;
        const int BeforeKill = 8;
        var cancel = TestContext.Current.CancellationToken;
        var config = await WriteConfigAsync($$"""
            {"version": "1", "default": "allow",
             "tools": {"review_code": {"limits": [{"counter": "reviews", "window": "day", "max": {{Max}}, "scope": "grant"}]} } }
            """);
        await OutsideTheLastMinuteOfTheDayAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using (var owner = Process.Start(GatewayStart(config))!)
        {
            try
            {
                var url = await ListeningUrlAsync(owner);
                var session = await InitializeAsync(http, url);
                for (var i = 0; i < BeforeKill; i++)
                {
                    Assert.Null(await CallAsync(http, url, session));
                }

                // The owner writes its counts ten times a second: a second later, all of them are in the file.
                await Task.Delay(1000, cancel);
            }
            finally
            {
                await KillAsync(owner);
            }
        }

        using var next = Process.Start(GatewayStart(config))!;
        try
        {
            var url = await ListeningUrlAsync(next);
            var session = await InitializeAsync(http, url);
            var admitted = 0;
            string? denial;
            while ((denial = await CallAsync(http, url, session)) is null)
            {
                admitted++;
                Assert.True(admitted <= Max, "The next gateway admitted more calls than the whole limit.");
            }

            Assert.Equal(Max - BeforeKill, admitted);
            Assert.StartsWith("[POLICY DENIED] Rate limit 'reviews' reached", denial, StringComparison.Ordinal);
        }
        finally
        {
            await KillAsync(next);
        }
    }

    /// <summary><c>kill -9</c>: the process gets no chance to write anything more.</summary>
    private static async Task KillAsync(Process gateway)
    {
        gateway.Kill();
        await gateway.WaitForExitAsync(Cancel);
    }

    /// <summary>Writes the policy and a configuration serving it over the demo upstream from a SQLite file; returns the configuration's path.</summary>
    private async Task<string> WriteConfigAsync(string policy)
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "policy.json"), policy, Cancel);
        var config = Path.Combine(_directory, "portcullis.json");
        // Port 0: the gateway picks its own port and names its URL once it listens, so no other test's gateway can be the one answering.
        await File.WriteAllTextAsync(config, $$"""
            {
              "listen": "http://127.0.0.1:0",
              "store": "sqlite:state.db",
              "servers": [{ "id": "codex", "url": "{{_upstream.Url}}", "policy": "policy.json" }],
              "grants": [{ "name": "agent", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """, Cancel);
        return config;
    }

    /// <summary>A day window ending during the test would reset the counter it checks.</summary>
    private static async Task OutsideTheLastMinuteOfTheDayAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var untilMidnight = now.Date.AddDays(1) - now.UtcDateTime;
        if (untilMidnight < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(untilMidnight + TimeSpan.FromSeconds(1), Cancel);
        }
    }

    private static ProcessStartInfo GatewayStart(string config)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { CliRunner.Assembly, "serve", "--config", config })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static Task<string> InitializeAsync(HttpClient http, Uri url) =>
        PostAsync(http, url, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);

    /// <summary>Calls <c>review_code</c>: the reason the gateway denied it, or null when it was answered.</summary>
    private static async Task<string?> CallAsync(HttpClient http, Uri url, string session)
    {
        using var request = Request(url, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"review_code","arguments":{"code":"x"}}}""", session);
        using var response = await http.SendAsync(request, Cancel);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync(Cancel);
        // A JSON answer, or an event stream whose data line is the answer.
        var message = body.Split('\n').FirstOrDefault(line => line.StartsWith("data: ", StringComparison.Ordinal))?["data: ".Length..] ?? body;
        using var answer = JsonDocument.Parse(message);
        var result = answer.RootElement.GetProperty("result");
        return result.TryGetProperty("isError", out var isError) && isError.GetBoolean() ? result.GetProperty("content")[0].GetProperty("text").GetString() : null;
    }

    /// <summary>The MCP URL of server <c>codex</c> from the line <c>serve</c> prints once it listens (<c>codex: URL → upstream</c>); the rest of its output is drained.</summary>
    private static async Task<Uri> ListeningUrlAsync(Process gateway)
    {
        _ = gateway.StandardError.ReadToEndAsync(Cancel);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        waiting.CancelAfter(TimeSpan.FromSeconds(60));
        while (await gateway.StandardOutput.ReadLineAsync(waiting.Token) is { } line)
        {
            if (line.StartsWith("codex: ", StringComparison.Ordinal))
            {
                _ = gateway.StandardOutput.ReadToEndAsync(Cancel);
                return new Uri(line["codex: ".Length..].Split(' ')[0]);
            }
        }

        throw new InvalidOperationException($"The gateway ended (exit code {(gateway.HasExited ? gateway.ExitCode : -1)}) before it named its URL.");
    }

    private static async Task<string> PostAsync(HttpClient http, Uri url, string body, string? session)
    {
        using var request = Request(url, body, session);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync();
        return session ?? response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private static HttpRequestMessage Request(Uri url, string body, string? session)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        return request;
    }
}
