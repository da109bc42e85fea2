using System.Xml.Linq;

namespace Portcullis.Cli.Tests.Policies;

/// <summary><c>portcullis policy test</c>: case files against policies, with the exit codes of docs/cli.md.</summary>
public sealed class PolicyTestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-policy-test-").FullName;

    public PolicyTestCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "policies"));
        File.Copy(CliRunner.RepositoryFile("docs/examples/codex.json"), Path.Combine(_directory, "policies", "codex.json"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Test_PassingCases_FromThePolicyKey_RelativeToTheCaseFile_Exit0()
    {
        var cases = Write("cases/codex.yaml", """
            policy: ../policies/codex.json
            cases:
              - name: review is allowed
                tool: review_code
                expect: allow
              - name: ten generations a minute
                tool: code_generate
                arguments: { language: python, iteration: 1 }
                repeat: 10
                expect: allow
              - name: the eleventh is denied
                tool: code_generate
                arguments: { language: python, iteration: 1 }
                expect: deny
                rule: /tools/code_generate/limits/0
              - { name: shells are refused, tool: code_generate, grant: other, arguments: { language: bash }, expect: deny, reason_contains: Shell }
              - { name: deletes are hidden, tool: delete_repo, expect: deny, rule: (hidden), visible: false }
            """);

        var result = CliRunner.Run("policy", "test", cases);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("PASS  the eleventh is denied", result.Output, StringComparison.Ordinal);
        Assert.Contains("5 passed, 0 failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_AFailingCase_PrintsTheTrace_WritesJUnit_AndExits1()
    {
        var cases = Write("cases.json", """
            {"cases": [
              {"name": "describe is allowed", "tool": "describe_codebase", "expect": "allow"},
              {"tool": "review_code", "expect": "allow"}
            ]}
            """);
        var junit = Path.Combine(_directory, "junit.xml");

        var result = CliRunner.Run("policy", "test", cases, "--policy", Path.Combine(_directory, "policies", "codex.json"), "--junit", junit);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("""
            FAIL  describe is allowed (line 2)
                  expected allow, got deny by /tools/describe_codebase/action
                  call: describe_codebase {} as grant 'test' at 2026-11-25T12:00:00Z
            """.Replace("\r\n", "\n", StringComparison.Ordinal), result.Output, StringComparison.Ordinal);
        Assert.Matches(@"DENIED\s+/tools/describe_codebase/action\s+action: deny", result.Output);
        Assert.Contains("decision: deny by /tools/describe_codebase/action: Reads arbitrary local paths.", result.Output, StringComparison.Ordinal);
        Assert.Contains("PASS  case 2 (review_code, line 3)", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 passed, 1 failed", result.Output, StringComparison.Ordinal);
        Assert.Contains("cases.json: 1 of 2 case(s) failed.", result.Error, StringComparison.Ordinal);
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal(("2", "1"), (suite.Attribute("tests")!.Value, suite.Attribute("failures")!.Value));
        var failure = suite.Elements("testcase").First().Element("failure")!;
        Assert.Equal("expected allow, got deny by /tools/describe_codebase/action", failure.Attribute("message")!.Value);
        Assert.Null(suite.Elements("testcase").Last().Element("failure"));
    }

    [Fact]
    public void Test_ATypoInTheCaseFile_NamesTheLineAndTheKey_AndExits1()
    {
        var cases = Write("cases.yaml", "policy: policies/codex.json\ncases:\n  - tool: review_code\n    expct: allow\n  - { tool: review_code, expect: alow }\n");

        var result = CliRunner.Run("policy", "test", cases);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 error(s)", result.Error, StringComparison.Ordinal);
        Assert.Contains("/cases/0/expct (line 4, column 5): Unknown key 'expct'. Did you mean 'expect'?", result.Error, StringComparison.Ordinal);
        Assert.Matches(@"/cases/1/expect \(line 5, column \d+\): 'alow' is not a decision\. Did you mean 'allow'\?", result.Error);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Test_AnInvalidPolicy_Exits1_WithItsErrors()
    {
        var policy = Write("bad.json", """{"version": "1", "tools": {"t": {"actoin": "deny"}}}""");
        var cases = Write("cases.yaml", "cases: [{ tool: t, expect: deny }]\n");

        var result = CliRunner.Run("policy", "test", cases, "--policy", policy);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Unknown key 'actoin'. Did you mean 'action'?", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cases: [{ tool: t, expect: deny }]\n", "no policy to test: give --policy FILE, or a 'policy:' key in the test file.")]
    [InlineData("policy: missing.json\ncases: [{ tool: t, expect: deny }]\n", "missing.json: cannot read the file")]
    public void Test_WithoutAPolicyToRead_Exits2(string text, string message)
    {
        var result = CliRunner.Run("policy", "test", Write("cases.yaml", text));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_AMissingCaseFile_OrAnUnwritableReport_Exits2()
    {
        var missing = CliRunner.Run("policy", "test", Path.Combine(_directory, "nope.yaml"));
        var cases = Write("cases.yaml", "policy: policies/codex.json\ncases: [{ tool: review_code, expect: allow }]\n");
        var unwritable = CliRunner.Run("policy", "test", cases, "--junit", Path.Combine(_directory, "no-such-dir", "junit.xml"));

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.yaml: cannot read the file", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, unwritable.ExitCode);
        Assert.Contains("--junit: cannot write", unwritable.Error, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
