using System.Text.Json;

namespace Portcullis.Cli.Tests.Policies;

public sealed class PolicyExplainCommandTests
{
    private static readonly string s_codex = CliRunner.RepositoryFile("docs/examples/codex.json");

    [Fact]
    public void Explain_ReadmeCommand_ShowsTheDenyingRule()
    {
        var (exitCode, output, error) = CliRunner.Run("policy", "explain", s_codex, "code_generate", """{"language":"bash"}""");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("DENIED    /tools/code_generate/deny_if/0  args.language in [\"bash\",\"powershell\"]", output, StringComparison.Ordinal);
        Assert.Contains("Decision: DENY by /tools/code_generate/deny_if/0", output, StringComparison.Ordinal);
        Assert.Contains("Reason:   Shell generation is not allowed.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_HeldCall_ShowsReservationsAndApproval()
    {
        var (_, output, _) = CliRunner.Run("policy", "explain", s_codex, "code_generate", """{"language":"go","iteration":5}""", "--grant", "ci");

        Assert.Contains("Decision: REQUIRE APPROVAL by /tools/code_generate/approval", output, StringComparison.Ordinal);
        Assert.Contains("window 09:30:00–09:31:00Z, key srv:default|grant:ci|counter:code_generate_rate|", output, StringComparison.Ordinal);
        Assert.Contains("Approval: waits up to 00:10:00, then deny", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Json_IsMachineReadable()
    {
        var policy = CliRunner.RepositoryFile("docs/examples/office-hours.yaml");

        var (exitCode, output, _) = CliRunner.Run("policy", "explain", policy, "file_write", """{"path":"/srv/app/x","content":"y"}""",
            "--label", "team=platform", "--label", "env=staging", "--time", "2026-11-28T10:00:00Z", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("deny", json.RootElement.GetProperty("decision").GetString());
        Assert.True(json.RootElement.GetProperty("shadow").GetBoolean());
        Assert.Equal("/tools/file_write/require/1", json.RootElement.GetProperty("rule_id").GetString());
        Assert.Equal("DENIED", json.RootElement.GetProperty("steps").EnumerateArray().Last().GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1]", "must be a JSON object")]
    public void Explain_BadArguments_ExitsTwo(string arguments, string message)
    {
        var (exitCode, _, error) = CliRunner.Run("policy", "explain", s_codex, "code_generate", arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--label", "nokey", "is not key=value")]
    [InlineData("--time", "yesterday", "is not a date and time")]
    public void Explain_BadOption_ExitsTwo(string option, string value, string message)
    {
        var (exitCode, _, error) = CliRunner.Run("policy", "explain", s_codex, "code_generate", "{}", option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
