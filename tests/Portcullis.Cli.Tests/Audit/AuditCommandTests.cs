using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Cli.Tests.Audit;

/// <summary>A gateway from a configuration file writes its audit log; <c>portcullis audit</c> reads, exports and verifies it.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private const string Token = "pcg_audit-test-token-0123456789abcdefghij";
    private const string Key = "audit-checkpoint-key-0123456789abcdefghijklmnop";

    private static readonly string[] s_secrets =
        ["sk-live-4f9a8b7c6d5e4f3a2b1c", "AKIAIOSFODNN7EXAMPLE", "alice@example.com", "4111 1111 1111 1111", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "hunter2-password"];

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-audit-cli-").FullName;
    private DemoUpstream _upstream = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string ConfigPath => Path.Combine(_directory, "portcullis.json");

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_AUDIT_KEY", Key);
        await File.WriteAllTextAsync(Path.Combine(_directory, "keys.json"), """
            {"version": "1", "default": "allow", "tools": {"describe_codebase": {"action": "deny", "reason": "No."}}}
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "redacted.json"), """{"version": "1", "default": "allow", "audit_args": "redacted"}""");
        await File.WriteAllTextAsync(ConfigPath, $$"""
            {
              "store": "sqlite:state.db",
              "audit": { "sinks": ["store", "jsonl:audit-logs"], "checkpoint_key": "env:PORTCULLIS_TEST_AUDIT_KEY", "checkpoint_every": 5 },
              "servers": [
                { "id": "keys", "url": "{{_upstream.Url}}", "policy": "keys.json" },
                { "id": "redacted", "url": "{{_upstream.Url}}", "policy": "redacted.json" }
              ],
              "grants": [{ "name": "agent", "servers": ["keys", "redacted"], "token": "{{Token}}" }]
            }
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheLogVerifies_QueriesAndExports_AndNamesTheRecordAfterTampering()
    {
        await RunGatewayAsync(async (http, url) =>
        {
            for (var i = 0; i < 6; i++)
            {
                await CallAsync(http, url("keys"), "review_code", """{"code":"print(1)"}""");
            }

            await CallAsync(http, url("keys"), "describe_codebase", """{"subject":"."}""");
        });

        var verified = CliRunner.Run("audit", "verify", "--config", ConfigPath);
        var denied = CliRunner.Run("audit", "query", "--config", ConfigPath, "--decision", "deny", "--json");
        var table = CliRunner.Run("audit", "query", "--config", ConfigPath, "--since", "1h", "--tool", "review_code");
        var exportPath = Path.Combine(_directory, "export.jsonl");
        var exported = CliRunner.Run("audit", "export", "--config", ConfigPath, "--format", "jsonl", "--output", exportPath);
        var csv = CliRunner.Run("audit", "export", "--config", ConfigPath, "--format", "csv", "--kind", "call");

        Assert.Equal(0, verified.ExitCode);
        Assert.Matches(@"OK: \d+ record\(s\) in 1 chain\(s\); [1-9]\d* signed checkpoint\(s\) verified\.", verified.Output);
        Assert.Matches(@"\n  gateway@[^:]+: seq 1 to \d+; signed up to its last record\n", verified.Output);
        var deniedRecord = Assert.Single(denied.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"reason\":\"No.\"", deniedRecord, StringComparison.Ordinal);
        Assert.Contains("6 record(s).", table.Output, StringComparison.Ordinal);
        Assert.Contains("review_code", table.Output, StringComparison.Ordinal);
        Assert.Equal(0, exported.ExitCode);
        Assert.Equal(0, CliRunner.Run("audit", "verify", "--file", exportPath, "--key-env", "PORTCULLIS_TEST_AUDIT_KEY").ExitCode);
        var unkeyed = CliRunner.Run("audit", "verify", "--file", Path.Combine(_directory, "audit-logs"));
        Assert.Equal(0, unkeyed.ExitCode);
        Assert.Contains("; checkpoint signatures not checked (no key given).", unkeyed.Output, StringComparison.Ordinal);
        Assert.Matches(@"\n  gateway@[^:]+: seq 1 to \d+; [1-9]\d* checkpoint\(s\), signatures not checked\n", unkeyed.Output);
        Assert.Contains("Checkpoint signatures were not checked", unkeyed.Output, StringComparison.Ordinal);
        var csvLines = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("time,chain,seq,kind,decision", csvLines[0], StringComparison.Ordinal);
        Assert.Equal(8, csvLines.Length);

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "state.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit SET record = replace(record, '\"decision\":\"deny\"', '\"decision\":\"allow\"') WHERE decision = 'deny'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var tampered = CliRunner.Run("audit", "verify", "--config", ConfigPath);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Matches(@"ALTERED: HASH_MISMATCH row \d+ \(chain gateway@[^,]+, seq \d+\): altered", tampered.Error);
    }

    [Fact]
    public async Task VerifyWithTheKey_Fails_WhenADenialIsFlipped_EverySignatureStripped_AndTheHashesRecomputed()
    {
        await RunGatewayAsync(async (http, url) =>
        {
            await CallAsync(http, url("keys"), "describe_codebase", """{"subject":"."}""");
            for (var i = 0; i < 6; i++)
            {
                await CallAsync(http, url("keys"), "review_code", """{"code":"print(1)"}""");
            }
        });
        var path = Path.Combine(_directory, "audit-logs", "audit.jsonl");
        var head = AuditCanonicalForm.GenesisHash;
        var rewritten = new List<string>();
        foreach (var record in JsonlAuditSink.Read(path).Select(r => r.Record))
        {
            var changed = record with { Decision = record.Decision == AuditDecisions.Deny ? AuditDecisions.Allow : record.Decision, Mac = null, PrevHash = head };
            changed = changed with { Hash = AuditCanonicalForm.ComputeHash(changed) };
            head = changed.Hash;
            rewritten.Add(AuditCanonicalForm.Serialize(changed));
        }

        await File.WriteAllLinesAsync(path, rewritten, Cancel);

        var withKey = CliRunner.Run("audit", "verify", "--file", path, "--key-env", "PORTCULLIS_TEST_AUDIT_KEY");
        var withoutKey = CliRunner.Run("audit", "verify", "--file", path);
        Assert.Equal(1, withKey.ExitCode);
        Assert.Matches(@"ALTERED: BAD_SIGNATURE \S+audit\.jsonl:\d+ \(chain gateway@[^,]+, seq \d+\): unsigned: the checkpoint carries no signature, but a key was given", withKey.Error);
        Assert.Equal(0, withoutKey.ExitCode);
        Assert.Contains("checkpoint signatures not checked (no key given)", withoutKey.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ATornLastLine_Exits3_AfterVerifyingTheRest_ButTamperingBeforeItExits1()
    {
        await RunGatewayAsync(async (http, url) =>
        {
            for (var i = 0; i < 3; i++)
            {
                await CallAsync(http, url("keys"), "review_code", """{"code":"print(1)"}""");
            }
        });
        var directory = Path.Combine(_directory, "audit-logs");
        var path = Path.Combine(directory, "audit.jsonl");
        var lines = await File.ReadAllLinesAsync(path, Cancel);
        await File.AppendAllTextAsync(path, lines[1][..(lines[1].Length / 2)], Cancel);

        var torn = CliRunner.Run("audit", "verify", "--file", directory, "--key-env", "PORTCULLIS_TEST_AUDIT_KEY");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path, Cancel)).Replace("\"tool\":\"review_code\"", "\"tool\":\"delete_repo\"", StringComparison.Ordinal), Cancel);
        var tampered = CliRunner.Run("audit", "verify", "--file", directory, "--key-env", "PORTCULLIS_TEST_AUDIT_KEY");

        Assert.Equal(3, torn.ExitCode);
        Assert.Contains($"OK: {lines.Length} record(s) in 1 chain(s)", torn.Output, StringComparison.Ordinal);
        Assert.Contains($"TORN_TAIL {path}:{lines.Length + 1}: the last line is not a complete record", torn.Error, StringComparison.Ordinal);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("ALTERED: HASH_MISMATCH", tampered.Error, StringComparison.Ordinal);
        Assert.Contains($"TORN_TAIL {path}:{lines.Length + 1}", tampered.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterTheGatewaysRetentionCutsTheStore_VerifyPasses_WithTheKey_AndWithoutItSaysACutNeedsTheKey()
    {
        await File.WriteAllTextAsync(ConfigPath, (await File.ReadAllTextAsync(ConfigPath, Cancel))
            .Replace("\"checkpoint_every\": 5", "\"checkpoint_every\": 5, \"retention_days\": 30", StringComparison.Ordinal), Cancel);
        await using var store = new SqliteAuditStore(Path.Combine(_directory, "state.db"));
        var old = new AuditChain("gateway@old/1");
        var now = TimeProvider.System.GetUtcNow();
        var records = new List<AuditRecord>();
        for (var day = 40; day > 0; day--)
        {
            records.Add(old.Append(new AuditRecord { Time = now.AddDays(-day), Decision = AuditDecisions.Allow, Tool = "t" }));
            if (day % 10 == 0)
            {
                records.Add(old.AppendCheckpoint(now.AddDays(-day), Encoding.UTF8.GetBytes(Key)));
            }
        }

        await store.WriteAsync(records, Cancel);

        await RunGatewayAsync(async (_, _) =>
        {
            // Retention runs as the gateway starts; the records of days 40 to 31 go.
            var clock = Stopwatch.StartNew();
            while ((await store.QueryAsync(new AuditQuery { Kind = AuditKinds.Call, Limit = 100 }, Cancel)).Count > 30 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20, Cancel);
            }
        });

        var withKey = CliRunner.Run("audit", "verify", "--config", ConfigPath);
        var exportPath = Path.Combine(_directory, "export.jsonl");
        Assert.Equal(0, CliRunner.Run("audit", "export", "--config", ConfigPath, "--output", exportPath).ExitCode);
        var withoutKey = CliRunner.Run("audit", "verify", "--file", exportPath);

        Assert.Equal(0, withKey.ExitCode);
        Assert.Contains("  gateway@old/1: seq 13 to 44 (starts at a retention cut); signed up to seq 35, seq 36 to 44 only hash-chained", withKey.Output, StringComparison.Ordinal);
        Assert.Matches(@"\n  retention@[^:]+: seq 1 to 1; signed up to its last record\n", withKey.Output);
        Assert.Contains("1 chain(s) start where retention cut them: a retention checkpoint signed with the key covers cuts before", withKey.Output, StringComparison.Ordinal);
        Assert.Equal(0, withoutKey.ExitCode);
        Assert.Contains("only the key can prove that retention, not someone else, deleted their first records", withoutKey.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretsInArguments_NeverReachAnySink_UnderKeysOrRedacted()
    {
        var arguments = $$"""
            {"code":"key={{s_secrets[0]}} aws={{s_secrets[1]}} mail {{s_secrets[2]}} card {{s_secrets[3]}} gh {{s_secrets[4]}}","password":"{{s_secrets[5]}}","language":"python"}
            """;
        await RunGatewayAsync(async (http, url) =>
        {
            await CallAsync(http, url("keys"), "review_code", arguments);
            await CallAsync(http, url("redacted"), "review_code", arguments);
        });

        var redacted = CliRunner.Run("audit", "query", "--config", ConfigPath, "--server", "redacted", "--json").Output;
        Assert.Contains("[REDACTED:api_key]", redacted, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:aws_access_key]", redacted, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", redacted, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:card_number]", redacted, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:github_token]", redacted, StringComparison.Ordinal);
        Assert.Contains("\"password\":\"[REDACTED:secret_field]\"", redacted, StringComparison.Ordinal);
        Assert.Contains("\"language\":\"python\"", redacted, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)))
        {
            var bytes = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, Cancel));
            foreach (var secret in s_secrets)
            {
                Assert.DoesNotContain(secret, bytes, StringComparison.Ordinal);
            }
        }
    }

    private async Task RunGatewayAsync(Func<HttpClient, Func<string, Uri>, Task> calls)
    {
        var (config, errors) = ConfigLoader.LoadFile(ConfigPath);
        Assert.Empty(errors);
        var app = await GatewayApp.BuildAsync(config! with { Listen = new Uri("http://127.0.0.1:0") }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await using (app)
        {
            await app.StartAsync(Cancel);
            using var http = new HttpClient();
            await calls(http, server => new Uri($"{app.ListeningAddress()}/mcp/{server}"));
            await app.StopAsync(Cancel);
        }
    }

    private static async Task CallAsync(HttpClient http, Uri url, string tool, string arguments)
    {
        var session = await PostAsync(http, url, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null);
        var body = $$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"{{tool}}","arguments":{{arguments}}""" + "}}";
        await PostAsync(http, url, body, session);
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

        using var response = await http.SendAsync(request, Cancel);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync(Cancel);
        return session ?? response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
