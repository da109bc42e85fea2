using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Tests.Validation;

public sealed class ToolNameWarningsTests
{
    private static readonly string[] s_tools = ["echo", "longRunningOperation", "printEnv", "get/file"];

    [Fact]
    public void RulesAndHidesForListedTools_WarnNothing()
    {
        var warnings = Check("""{"version": "1", "hide": ["print*", "get/file"], "tools": {"echo": {}, "longRunningOperation": {}}}""");

        Assert.Empty(warnings);
    }

    [Fact]
    public void ARuleForAnUnlistedTool_IsNamed_WithTheClosestTool()
    {
        var warning = Assert.Single(Check("""{"version": "1", "tools": {"ecoh": {}}}"""));

        Assert.Equal("/tools/ecoh", warning.Path);
        Assert.Equal("The server lists no tool 'ecoh'; this rule never applies. Did you mean 'echo'?", warning.Message);
    }

    [Fact]
    public void AHideGlobMatchingNothing_SaysGlobsAreCaseSensitive_WhenCaseIsTheReason()
    {
        var warning = Assert.Single(Check("""{"version": "1", "hide": ["*Long*"]}"""));

        Assert.Equal("/hide/0", warning.Path);
        Assert.Equal("'*Long*' matches none of the server's 4 tool(s); it hides nothing. Globs are case-sensitive: ignoring case it would match 'longRunningOperation'.",
            warning.Message);
    }

    [Fact]
    public void AnExactHideOfAnUnlistedTool_AndAnUnrelatedGlob_AreBothWarned()
    {
        var warnings = Check("""{"version": "1", "hide": ["printenv", "delete_*"], "tools": {"get/fil": {}}}""");

        Assert.Equal(["/hide/0", "/hide/1", "/tools/get~1fil"], warnings.Select(w => w.Path).Order(StringComparer.Ordinal));
        Assert.EndsWith("Did you mean 'printEnv'?", warnings.Single(w => w.Path == "/hide/0").Message, StringComparison.Ordinal);
        Assert.EndsWith("it hides nothing.", warnings.Single(w => w.Path == "/hide/1").Message, StringComparison.Ordinal);
        Assert.EndsWith("Did you mean 'get/file'?", warnings.Single(w => w.Path == "/tools/get~1fil").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFarOffName_GetsNoSuggestion()
    {
        var warning = Assert.Single(Check("""{"version": "1", "tools": {"transfer_funds": {}}}"""));

        Assert.DoesNotContain("Did you mean", warning.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<PolicyWarning> Check(string policy)
    {
        var parsed = PolicyParser.Parse(policy, PolicyFormat.Json);
        Assert.True(parsed.Succeeded, string.Join("; ", parsed.Errors));
        return ToolNameWarnings.Check(parsed.Policy!.Document, s_tools);
    }
}
