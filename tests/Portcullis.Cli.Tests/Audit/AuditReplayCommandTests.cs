using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Cli.Demo;

namespace Portcullis.Cli.Tests.Audit;

/// <summary><c>portcullis audit replay</c> over the records of a real gateway on loopback with a SQLite store.</summary>
public sealed class AuditReplayCommandTests : IAsyncLifetime
{
    private const string Token = "pcg_replay-test-token-0123456789abcdefghij";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-replay-").FullName;
    private DemoUpstream _upstream = null!;

    private string ConfigPath => Path.Combine(_directory, "portcullis.json");

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        Write("full.json", """
            {"version": "1", "default": "allow", "audit_args": "full", "tools": {"describe_codebase": {"action": "deny", "reason": "No."}}}
            """);
        Write("keys.json", """{"version": "1", "default": "allow"}""");
        Write("new-full.json", """
            {"version": "1", "default": "deny",
             "tools": {
               "review_code": {"limits": [{"counter": "reviews", "window": "day", "max": 2}]},
               "code_generate": {"deny_if": [{"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}], "on_deny": "No shells."}]},
               "describe_codebase": {}
             }}
            """);
        Write("new-keys.json", """
            {"version": "1", "default": "allow",
             "tools": {"code_generate": {"deny_if": [{"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}]}]},
                       "review_code": {"require": [{"path": "grant.labels.team", "op": "eq", "value": "platform"}]}}}
            """);
        Write("portcullis.json", $$"""
            {
              "store": "sqlite:state.db",
              "servers": [
                { "id": "full", "url": "{{_upstream.Url}}", "policy": "full.json" },
                { "id": "keys", "url": "{{_upstream.Url}}", "policy": "keys.json" }
              ],
              "grants": [{ "name": "agent", "servers": ["full", "keys"], "token": "{{Token}}", "labels": { "team": "support" } }]
            }
            """);
        await RecordingGateway.RunAsync(ConfigPath, Token, async gateway =>
        {
            for (var i = 0; i < 3; i++)
            {
                await gateway.CallAsync("full", "review_code", """{"code":"print(1)"}""");
            }

            await gateway.CallAsync("full", "code_generate", """{"description":"a script","language":"bash"}""");
            await gateway.CallAsync("full", "code_generate", """{"description":"a script","language":"python"}""");
            await gateway.CallAsync("full", "describe_codebase", """{"subject":"."}""");
            await gateway.CallAsync("keys", "code_generate", """{"description":"a script","language":"bash"}""");
            await gateway.CallAsync("keys", "review_code", """{"code":"print(1)"}""");
            await gateway.CallAsync("keys", "describe_codebase", """{"subject":"."}""");
        }, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Replay_NamesTheCallsThatWouldChange_ByToolAndRule_WithLimitsCountedInTimeOrder()
    {
        var result = CliRunner.Run("audit", "replay", "--config", ConfigPath, "--policy", Path.Combine(_directory, "new-full.json"), "--server", "full", "--since", "7d");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Replayed 6 recorded call(s) of server 'full' since ", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 would be decided differently, 3 the same, 0 not replayable.", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+1  code_generate: allow → deny by /tools/code_generate/deny_if/0\n", result.Output);
        Assert.Matches(@"\n\s+1  describe_codebase: deny → allow by /tools/describe_codebase\n", result.Output);
        Assert.Matches(@"\n\s+1  review_code: allow → deny by /tools/review_code/limits/0\n", result.Output);
        Assert.Matches(@"review_code  grant agent  allow by \(default allow\) → deny by /tools/review_code/limits/0: Rate limit 'reviews' reached", result.Output);
    }

    [Fact]
    public void Replay_CallsRecordedWithArgumentNamesOnly_AreNotReplayable_WhenTheNewPolicyReadsValues()
    {
        var result = CliRunner.Run("audit", "replay", "--config", ConfigPath, "--policy", Path.Combine(_directory, "new-keys.json"), "--server", "keys", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal((3, 1, 1, 1), (root.GetProperty("calls").GetInt32(), root.GetProperty("changed").GetInt32(),
            root.GetProperty("unchanged").GetInt32(), root.GetProperty("not_replayable").GetInt32()));
        var calls = root.GetProperty("replayed").EnumerateArray().ToDictionary(c => c.GetProperty("tool").GetString()!);
        Assert.Equal("the policy reads argument values, and only their names were recorded (audit_args: keys)",
            calls["code_generate"].GetProperty("not_replayable").GetString());
        Assert.Equal(JsonValueKind.Null, calls["code_generate"].GetProperty("now").ValueKind);
        // The grant's labels are read from the configuration as they are now: team support is not platform.
        Assert.Equal(("allow", "deny", "/tools/review_code/require/0"), (calls["review_code"].GetProperty("was").GetString(),
            calls["review_code"].GetProperty("now").GetString(), calls["review_code"].GetProperty("rule_id").GetString()));
        var group = Assert.Single(root.GetProperty("by_tool_and_rule").EnumerateArray());
        Assert.Equal("review_code", group.GetProperty("tool").GetString());
    }

    [Fact]
    public void Replay_AnEmptyRange_SaysSoInOneLine()
    {
        var result = CliRunner.Run("audit", "replay", "--config", ConfigPath, "--policy", Path.Combine(_directory, "new-full.json"), "--server", "full",
            "--since", "2099-01-01T00:00:00Z");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("No tool calls of server 'full' since 2099-01-01T00:00:00Z in the audit log: nothing to replay.\n",
            result.Output.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Replay_WithoutServer_WhenThereAreSeveral_Exits2_AndAnUnknownServerExits1()
    {
        var several = CliRunner.Run("audit", "replay", "--config", ConfigPath, "--policy", Path.Combine(_directory, "new-full.json"));
        var unknown = CliRunner.Run("audit", "replay", "--config", ConfigPath, "--policy", Path.Combine(_directory, "new-full.json"), "--server", "nosuch");

        Assert.Equal(2, several.ExitCode);
        Assert.Contains("--server: the configuration has 2 servers (full, keys); a policy is for one of them, so name it.", several.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("--server: no server has id 'nosuch'. Servers: full, keys.", unknown.Error, StringComparison.Ordinal);
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_directory, name), text);
}
