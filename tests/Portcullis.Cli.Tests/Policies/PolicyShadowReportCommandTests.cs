using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Tests.Audit;

namespace Portcullis.Cli.Tests.Policies;

/// <summary><c>portcullis policy shadow-report</c> over the records of a real gateway serving a shadow-mode policy.</summary>
public sealed class PolicyShadowReportCommandTests : IAsyncLifetime
{
    private const string Token = "pcg_shadow-test-token-0123456789abcdefghij";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-shadow-").FullName;
    private DemoUpstream _upstream = null!;

    private string ConfigPath => Path.Combine(_directory, "portcullis.json");

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        File.WriteAllText(Path.Combine(_directory, "shadow.yaml"), """
            version: "1"
            default: allow
            mode: shadow
            audit_args: full
            tools:
              describe_codebase: { action: deny, reason: Reads local paths. }
              code_generate:
                limits: [{ counter: generations, window: day, max: 1 }]
                approval:
                  when: [{ path: args.iteration, op: gt, value: 3 }]
            """);
        File.WriteAllText(Path.Combine(_directory, "enforced.json"), """{"version": "1", "default": "allow"}""");
        File.WriteAllText(ConfigPath, $$"""
            {
              "store": "sqlite:state.db",
              "servers": [
                { "id": "shadow", "url": "{{_upstream.Url}}", "policy": "shadow.yaml" },
                { "id": "enforced", "url": "{{_upstream.Url}}", "policy": "enforced.json" }
              ],
              "grants": [{ "name": "agent", "servers": ["shadow", "enforced"], "token": "{{Token}}" }]
            }
            """);
        await RecordingGateway.RunAsync(ConfigPath, Token, async gateway =>
        {
            await gateway.CallAsync("shadow", "review_code", """{"code":"print(1)"}""");
            await gateway.CallAsync("shadow", "describe_codebase", """{"subject":"src"}""");
            await gateway.CallAsync("shadow", "describe_codebase", """{"subject":"docs"}""");
            await gateway.CallAsync("shadow", "code_generate", """{"description":"a parser","iteration":5}""");
            await gateway.CallAsync("shadow", "code_generate", """{"description":"a parser","iteration":1}""");
            await gateway.CallAsync("shadow", "review_code", """{"code":"print(2)"}""");
            await gateway.CallAsync("enforced", "review_code", """{"code":"print(1)"}""");
        }, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void ShadowReport_CountsWhatWouldHaveBeenDeniedOrHeld_ByToolAndRule_WithExamples()
    {
        var result = CliRunner.Run("policy", "shadow-report", "--config", ConfigPath, "--server", "shadow", "--since", "7d", "--examples", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        var output = result.Output.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains("6 of 6 tool call(s) of server 'shadow' since ", output, StringComparison.Ordinal);
        Assert.Contains("were decided in shadow mode (policy version(s) 1).", output, StringComparison.Ordinal);
        Assert.Contains("Enforced, it would have denied 3 (50%) and held 1 (16.7%) for approval; 2 would have gone through as they did.", output, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+2  describe_codebase  would deny  by /tools/describe_codebase/action\n\s+Reads local paths\.\n\s+e\.g\. \S+  grant agent  session \S+  arguments \{""subject"":""src""\}\n\n", output);
        Assert.Matches(@"\n\s+1  code_generate  would hold  by /tools/code_generate/approval\n", output);
        Assert.Matches(@"\n\s+1  code_generate  would deny  by /tools/code_generate/limits/0\n\s+Rate limit 'generations' reached", output);
    }

    [Fact]
    public void ShadowReport_Json_HasTheSameGroups()
    {
        var result = CliRunner.Run("policy", "shadow-report", "--config", ConfigPath, "--server", "shadow", "--since", "7d", "--json");

        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal((6, 3, 1), (root.GetProperty("shadow_calls").GetInt32(), root.GetProperty("would_deny").GetInt32(), root.GetProperty("would_hold").GetInt32()));
        var groups = root.GetProperty("groups").EnumerateArray()
            .Select(g => $"{g.GetProperty("tool").GetString()} {g.GetProperty("rule_id").GetString()} {g.GetProperty("outcome").GetString()} {g.GetProperty("count").GetInt32()}");
        Assert.Equal(
        [
            "describe_codebase /tools/describe_codebase/action deny 2",
            "code_generate /tools/code_generate/approval require_approval 1",
            "code_generate /tools/code_generate/limits/0 deny 1",
        ], groups);
        Assert.Equal(2, root.GetProperty("groups")[0].GetProperty("examples").GetArrayLength());
    }

    [Fact]
    public void ShadowReport_WithoutShadowDecisions_SaysSo()
    {
        var enforced = CliRunner.Run("policy", "shadow-report", "--config", ConfigPath, "--server", "enforced", "--since", "7d");
        var empty = CliRunner.Run("policy", "shadow-report", "--config", ConfigPath, "--server", "shadow", "--since", "2099-01-01T00:00:00Z");

        Assert.Equal((0, 0), (enforced.ExitCode, empty.ExitCode));
        Assert.Contains("None of the 1 tool call(s) of server 'enforced' since ", enforced.Output, StringComparison.Ordinal);
        Assert.Contains("was decided by a policy in shadow mode", enforced.Output, StringComparison.Ordinal);
        Assert.Equal("No tool calls of server 'shadow' since 2099-01-01T00:00:00Z in the audit log: there is no evidence yet.\n",
            empty.Output.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
