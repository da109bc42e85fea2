namespace Portcullis.Cli.Tests.Policies;

public sealed class PolicyCheckCommandTests
{
    [Fact]
    public void Check_EveryExamplePolicy_IsValid()
    {
        var examples = Directory.GetFiles(CliRunner.RepositoryFile("docs/examples"));

        var (exitCode, output, error) = CliRunner.Run(["policy", "check", .. examples]);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(examples.Length, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(": OK (", StringComparison.Ordinal)));
    }

    [Fact]
    public void Check_InvalidPolicy_ListsEveryErrorAndExitsOne()
    {
        var path = CliRunner.TempPolicy("""
            {
              "version": "1",
              "tools": { "t": { "limits": [ { "counter": "c", "window": "minute", "max": 0, "scop": "grant" } ] } }
            }
            """);

        var (exitCode, _, error) = CliRunner.Run("policy", "check", path);

        Assert.Equal(1, exitCode);
        Assert.Contains("2 error(s)", error, StringComparison.Ordinal);
        Assert.Contains("/tools/t/limits/0/max (line 3, column", error, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'scope'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MissingFile_ExitsTwo()
    {
        var (exitCode, _, error) = CliRunner.Run("policy", "check", "/nonexistent/policy.json");

        Assert.Equal(2, exitCode);
        Assert.Contains("cannot read the file", error, StringComparison.Ordinal);
    }
}
