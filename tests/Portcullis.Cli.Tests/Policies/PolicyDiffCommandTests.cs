using System.Text.Json;

namespace Portcullis.Cli.Tests.Policies;

/// <summary><c>portcullis policy diff</c>: two files, or two stored versions in a real SQLite store.</summary>
public sealed class PolicyDiffCommandTests : IDisposable
{
    private const string Before = """
        {"version": "1", "default": "deny", "tools": {"review_code": {}, "code_generate": {"limits": [{"counter": "rate", "window": "minute", "max": 10}]}}}
        """;

    private const string After = """
        version: "1"
        tools:
          code_generate:
            limits: [{ counter: rate, window: minute, max: 20 }]
          review_code: { action: deny, reason: Frozen for the release. }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-diff-").FullName;
    private readonly string _config;

    public PolicyDiffCommandTests()
    {
        File.WriteAllText(Path.Combine(_directory, "before.json"), Before);
        File.WriteAllText(Path.Combine(_directory, "after.yaml"), After);
        _config = Path.Combine(_directory, "portcullis.json");
        File.WriteAllText(_config, """
            {"store": "sqlite:state.db", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "before.json"}]}
            """);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Diff_TwoFiles_ShowsWhatDecidesDifferently_PerTool_AndExits0()
    {
        var result = CliRunner.Run("policy", "diff", PathOf("before.json"), PathOf("after.yaml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"""
            {PathOf("after.yaml")} decides differently from {PathOf("before.json")}:

            code_generate
              limit changed: 'rate' at most 10 calls per minute per grant → 'rate' at most 20 calls per minute per grant

            review_code
              newly denied: denied by action: deny ("Frozen for the release.")

            """.Replace("\r\n", "\n", StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public void Diff_ExitCode_Is1WhenDifferent_And0WhenTheSame_AndJsonListsTheChanges()
    {
        var same = Write("same.yaml", "version: 1\ntools:\n  code_generate:\n    limits: [{ counter: rate, window: 60, max: 10, scope: grant }]\n  review_code: {}\n");

        var different = CliRunner.Run("policy", "diff", PathOf("before.json"), PathOf("after.yaml"), "--exit-code", "--json");
        var identical = CliRunner.Run("policy", "diff", PathOf("before.json"), same, "--exit-code");

        Assert.Equal(1, different.ExitCode);
        using var json = JsonDocument.Parse(different.Output);
        Assert.False(json.RootElement.GetProperty("identical").GetBoolean());
        Assert.Equal(["limit_changed", "newly_denied"], json.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal("review_code", json.RootElement.GetProperty("changes")[1].GetProperty("subject").GetString());
        Assert.Equal(0, identical.ExitCode);
        Assert.Contains("decides every call as", identical.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_StoredVersions_ComparesThem_AndDefaultsToTheVersionInForce()
    {
        Assert.Equal(0, CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", PathOf("before.json")).ExitCode);
        Assert.Equal(0, CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", PathOf("after.yaml")).ExitCode);

        var explicitRange = CliRunner.Run("policy", "diff", "--config", _config, "--server", "codex", "--from", "1", "--to", "2");
        var toInForce = CliRunner.Run("policy", "diff", "--config", _config, "--server", "codex", "--from", "1");
        var backwards = CliRunner.Run("policy", "diff", "--config", _config, "--server", "codex", "--from", "2", "--to", "1");

        Assert.Equal(0, explicitRange.ExitCode);
        Assert.StartsWith("version 2 decides differently from version 1:", explicitRange.Output, StringComparison.Ordinal);
        Assert.Equal(explicitRange.Output, toInForce.Output);
        Assert.Contains("newly allowed: was denied by action: deny (\"Frozen for the release.\")", backwards.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_AnUnknownVersion_IsOneClearMessage_AndExits1()
    {
        CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", PathOf("before.json"));

        var result = CliRunner.Run("policy", "diff", "--config", _config, "--server", "codex", "--from", "1", "--to", "7");
        var noVersions = CliRunner.Run("policy", "diff", "--config", _config, "--server", "other", "--from", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("--to: server 'codex' has no version 7 (it has versions 1 to 1).\n", result.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(1, noVersions.ExitCode);
        Assert.Contains("--server: no server has id 'other'", noVersions.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("policy diff {dir}/before.json", "Give two policy files")]
    [InlineData("policy diff --config {dir}/portcullis.json --server codex", "With --config, give --server and --from")]
    [InlineData("policy diff {dir}/before.json {dir}/after.yaml --config {dir}/portcullis.json --server codex --from 1", "not both")]
    [InlineData("policy diff --server codex --from 1", "Give --config with --server and --from")]
    [InlineData("policy diff {dir}/before.json {dir}/missing.json", "missing.json: cannot read the file")]
    public void Diff_BadUsage_Exits2(string commandLine, string message)
    {
        var result = CliRunner.Run(commandLine.Replace("{dir}", _directory, StringComparison.Ordinal).Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_AnInvalidPolicyFile_Exits1()
    {
        var bad = Write("bad.json", """{"version": "1", "default": "maybe"}""");

        var result = CliRunner.Run("policy", "diff", PathOf("before.json"), bad);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'maybe' is not a valid value.", result.Error, StringComparison.Ordinal);
    }

    private string PathOf(string name) => Path.Combine(_directory, name);

    private string Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        return PathOf(name);
    }
}
