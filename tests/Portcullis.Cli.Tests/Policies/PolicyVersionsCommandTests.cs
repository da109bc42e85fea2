namespace Portcullis.Cli.Tests.Policies;

/// <summary><c>portcullis policy history|show|save|restore</c> against a real SQLite store.</summary>
public sealed class PolicyVersionsCommandTests : IDisposable
{
    private const string Deny = """{"version": "1", "default": "deny"}""";
    private const string Allow = """{"version": "1", "default": "allow"}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-versions-").FullName;
    private readonly string _config;

    public PolicyVersionsCommandTests()
    {
        File.WriteAllText(Path.Combine(_directory, "codex.json"), Deny);
        _config = Path.Combine(_directory, "portcullis.json");
        File.WriteAllText(_config, """
            {"store": "sqlite:state.db", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"}]}
            """);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void SaveHistoryRestoreShow_KeepEveryVersion()
    {
        var allow = Path.Combine(_directory, "allow.yaml");
        File.WriteAllText(allow, "version: \"1\"\ndefault: allow\n");

        var first = CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", Path.Combine(_directory, "codex.json"));
        var second = CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", allow, "--comment", "open up for the demo");
        var restored = CliRunner.Run("policy", "restore", "--config", _config, "--server", "codex", "--version", "1");
        var history = CliRunner.Run("policy", "history", "--config", _config, "--server", "codex");

        Assert.Equal((0, 0, 0), (first.ExitCode, second.ExitCode, restored.ExitCode));
        Assert.Contains("Saved version 3", restored.Output, StringComparison.Ordinal);
        var lines = history.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^3\s+2026-11-25 09:30:12\s+restore\s+restored from version 1 \(in force, matches the file\)$", lines[1]);
        Assert.Matches(@"^2\s+.*cli\s+open up for the demo", lines[2]);
        Assert.Matches(@"^1\s+.*cli\s+saved from ", lines[3]);
        Assert.Equal(Deny, CliRunner.Run("policy", "show", "--config", _config, "--server", "codex").Output.Trim());
        Assert.Equal("version: \"1\"\ndefault: allow", CliRunner.Run("policy", "show", "--config", _config, "--server", "codex", "--version", "2").Output.Trim());
    }

    [Fact]
    public void History_SaysWhichVersionTheFileMatches_WhenAnotherIsInForce()
    {
        var allow = Path.Combine(_directory, "allow.json");
        File.WriteAllText(allow, Allow);
        CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", Path.Combine(_directory, "codex.json"));
        CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", allow);

        var afterSave = CliRunner.Run("policy", "history", "--config", _config, "--server", "codex").Output;
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "deny", "hide": []}""");
        var afterEdit = CliRunner.Run("policy", "history", "--config", _config, "--server", "codex").Output;
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "maybe"}""");
        var afterBreak = CliRunner.Run("policy", "history", "--config", _config, "--server", "codex");

        Assert.Matches(@"(?m)^2\s+.*\(in force\)$", afterSave);
        Assert.Matches(@"(?m)^1\s+.*\(matches the file\)$", afterSave);
        Assert.Contains("Version 2 is in force, not the policy file", afterSave, StringComparison.Ordinal);
        Assert.Contains("(which matches version 1): the file takes over again only when its text changes.", afterSave, StringComparison.Ordinal);
        Assert.Contains("matches no stored version: a gateway imports it as a new version when it starts or sees the file change.", afterEdit,
            StringComparison.Ordinal);
        Assert.Equal(0, afterBreak.ExitCode);
        Assert.Contains("is invalid (1 error(s); see `portcullis policy check", afterBreak.Output, StringComparison.Ordinal);
        Assert.Contains("gateways keep serving version 2 and import the file once it is valid.", afterBreak.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WarnsAboutRulesAndHidesNamingNoToolTheServerLists_OnceItsToolsAreKnown()
    {
        var typo = Path.Combine(_directory, "typo.json");
        File.WriteAllText(typo, """{"version": "1", "default": "deny", "hide": ["*Long*"], "tools": {"ecoh": {}}}""");
        var beforeTheToolsAreKnown = CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", typo);
        var pins = new Portcullis.Storage.Sqlite.SqliteToolPinStore(Path.Combine(_directory, "state.db"));
        foreach (var tool in new[] { "echo", "longRunningOperation" })
        {
            await pins.AddAsync(new Portcullis.Storage.Pins.ToolPin { Server = "codex", Tool = tool, FirstSeen = DateTimeOffset.UnixEpoch },
                TestContext.Current.CancellationToken);
        }

        var saved = CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", typo);

        Assert.Equal((0, ""), (beforeTheToolsAreKnown.ExitCode, beforeTheToolsAreKnown.Error));
        Assert.Equal(0, saved.ExitCode);
        Assert.Contains("Saved version 2", saved.Output, StringComparison.Ordinal);
        Assert.Contains("warning: /tools/ecoh: The server lists no tool 'ecoh'; this rule never applies. Did you mean 'echo'?", saved.Error, StringComparison.Ordinal);
        Assert.Contains("warning: /hide/0: '*Long*' matches none of the server's 2 tool(s)", saved.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_AnInvalidPolicy_SavesNothing_AndNamesTheProblem()
    {
        var invalid = Path.Combine(_directory, "invalid.json");
        File.WriteAllText(invalid, """{"version": "1", "default": "maybe"}""");

        var result = CliRunner.Run("policy", "save", "--config", _config, "--server", "codex", invalid);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/default", result.Error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\d", CliRunner.Run("policy", "history", "--config", _config, "--server", "codex").Output);
    }

    [Theory]
    [InlineData("restore", "--version", "9", "has no version 9")]
    [InlineData("show", "--version", "9", "has no version 9")]
    [InlineData("history", "--server", "nope", "no server has id 'nope'")]
    public void BadArguments_AreRefusedWithAPreciseError(string command, string option, string value, string message)
    {
        string[] args = option == "--server"
            ? ["policy", command, "--config", _config, option, value]
            : ["policy", command, "--config", _config, "--server", "codex", option, value];

        var result = CliRunner.Run(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }
}
