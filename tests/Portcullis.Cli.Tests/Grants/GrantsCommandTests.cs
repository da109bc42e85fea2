using System.Text.RegularExpressions;
using Portcullis.Gateway.Grants;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Cli.Tests.Grants;

/// <summary><c>portcullis grants</c> against a real SQLite store, checked the way a running gateway checks tokens.</summary>
public sealed partial class GrantsCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-grants-").FullName;
    private readonly string _config;

    public GrantsCommandTests()
    {
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "deny"}""");
        _config = Path.Combine(_directory, "portcullis.json");
        File.WriteAllText(_config, """
            {"store": "sqlite:state.db", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"}]}
            """);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task CreateRotateRevoke_TakeEffectWithinOneSecond()
    {
        var registry = new GrantRegistry([], TimeProvider.System, new SqliteGrantStore(Path.Combine(_directory, "state.db")));

        var created = CliRunner.Run("grants", "create", "--config", _config, "--name", "ci", "--server", "codex", "--label", "team=platform");
        var token = TokenIn(created.Output);
        Assert.Equal(0, created.ExitCode);
        var check = await registry.CheckAsync("Bearer " + token, "codex", TestContext.Current.CancellationToken);
        Assert.Equal(GrantCheckStatus.Accepted, check.Status);
        Assert.Equal("platform", check.Grant!.Labels["team"]);

        var rotated = CliRunner.Run("grants", "rotate", "--config", _config, "ci");
        var newToken = TokenIn(rotated.Output);
        Assert.Equal(GrantCheckStatus.UnknownToken, await StatusWithinOneSecondAsync(registry, token, GrantCheckStatus.UnknownToken));
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + newToken, "codex", TestContext.Current.CancellationToken)).Status);

        Assert.Equal(0, CliRunner.Run("grants", "revoke", "--config", _config, "ci").ExitCode);
        Assert.Equal(GrantCheckStatus.Revoked, await StatusWithinOneSecondAsync(registry, newToken, GrantCheckStatus.Revoked));
        Assert.Equal(1, CliRunner.Run("grants", "rotate", "--config", _config, "ci").ExitCode);

        var list = CliRunner.Run("grants", "list", "--config", _config);
        Assert.Matches(@"ci\s+store\s+revoked\s+codex", list.Output);

        // Only hashes are stored: neither token appears anywhere in the database files.
        foreach (var file in Directory.GetFiles(_directory, "state.db*"))
        {
            var bytes = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
            Assert.DoesNotContain(token, bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(newToken, bytes, StringComparison.Ordinal);
        }
    }

    /// <summary>A gateway serves a grant from memory until it sees the file's change stamp move (at most every 250 ms): the status once it is <paramref name="expected"/>, or after a second.</summary>
    private static async Task<GrantCheckStatus> StatusWithinOneSecondAsync(GrantRegistry registry, string token, GrantCheckStatus expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        GrantCheckStatus status;
        while ((status = (await registry.CheckAsync("Bearer " + token, "codex", TestContext.Current.CancellationToken)).Status) != expected
            && clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return status;
    }

    [Fact]
    public void List_StoredGrantExpiry_IsJudgedByTheCommandsClock()
    {
        var lapsed = CliRunner.Now.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var later = CliRunner.Now.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, CliRunner.Run("grants", "create", "--config", _config, "--name", "lapsed", "--server", "codex", "--expires", lapsed).ExitCode);
        Assert.Equal(0, CliRunner.Run("grants", "create", "--config", _config, "--name", "later", "--server", "codex", "--expires", later).ExitCode);

        var list = CliRunner.Run("grants", "list", "--config", _config);

        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"lapsed\s+store\s+expired\s+codex", list.Output);
        Assert.Matches(@"later\s+store\s+live\s+codex", list.Output);
    }

    [Theory]
    [InlineData("--server", "nope", 1, "no server has id 'nope'")]
    [InlineData("--label", "novalue", 2, "is not key=value")]
    [InlineData("--expires", "soon", 2, "is not a date and time")]
    public void Create_BadOption_IsRefused(string option, string value, int exitCode, string message)
    {
        var args = new List<string> { "grants", "create", "--config", _config, "--name", "x" };
        if (option != "--server")
        {
            args.AddRange(["--server", "codex"]);
        }

        args.AddRange([option, value]);
        var result = CliRunner.Run([.. args]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_DuplicateName_IsRefused()
    {
        Assert.Equal(0, CliRunner.Run("grants", "create", "--config", _config, "--name", "dup", "--server", "codex").ExitCode);

        var again = CliRunner.Run("grants", "create", "--config", _config, "--name", "dup", "--server", "codex");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryStore_CreateIsRefusedNamingTheStore_AndListShowsTheConfiguredGrantsOnly()
    {
        var memory = Path.Combine(_directory, "memory.json");
        File.WriteAllText(memory, """
            {"store": "memory", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"}],
             "grants": [{"name": "configured", "servers": ["codex"], "token": "pcg_configured-token-that-is-long-enough-to-pass"}]}
            """);

        var created = CliRunner.Run("grants", "create", "--config", memory, "--name", "ci", "--server", "codex");
        var list = CliRunner.Run("grants", "list", "--config", memory);

        Assert.Equal(2, created.ExitCode);
        Assert.Equal($"{memory}: the store is 'memory', which keeps no run-time grants; set \"store\": \"sqlite:portcullis.db\".\n",
            created.Error.ReplaceLineEndings("\n"));
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"configured\s+config\s+live\s+codex", list.Output);
        Assert.DoesNotContain(" store ", list.Output, StringComparison.Ordinal);
    }

    private static string TokenIn(string output) => TokenPattern().Match(output).Value;

    [GeneratedRegex("pcg_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenPattern();
}
