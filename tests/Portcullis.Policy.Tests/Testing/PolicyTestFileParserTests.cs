using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Testing;

namespace Portcullis.Policy.Tests.Testing;

public sealed class PolicyTestFileParserTests
{
    [Fact]
    public void Parse_Yaml_ReadsCases_WithFileDefaults()
    {
        var result = PolicyTestFileParser.Parse("""
            policy: ../policy.yaml
            at: 2026-11-25T12:00:30Z
            grant: { name: ci, labels: { team: platform } }
            cases:
              - tool: review_code
                expect: allow
              - name: shells are refused
                tool: code_generate
                arguments: { language: bash }
                grant: alice
                session: s-2
                at: 2026-11-25T12:01:00Z
                repeat: 3
                expect: deny
                rule: /tools/code_generate/deny_if/0
                reason_contains: Shell
                visible: true
            """, PolicyFormat.Yaml);

        Assert.Empty(result.Errors);
        var file = result.File!;
        Assert.Equal("../policy.yaml", file.PolicyPath);
        var (first, second) = (file.Cases[0], file.Cases[1]);
        Assert.Equal("case 1 (review_code, line 5)", first.Name);
        Assert.Equal("ci", first.Call.Grant.Name);
        Assert.Equal("platform", first.Call.Grant.Labels["team"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 30, TimeSpan.Zero), first.Call.Time);
        Assert.Equal(PolicyTestFile.DefaultSession, first.Call.SessionId);
        Assert.Equal("{}", first.ArgumentsText);
        Assert.Equal("shells are refused", second.Name);
        Assert.Equal("alice", second.Call.Grant.Name);
        Assert.Empty(second.Call.Grant.Labels);
        Assert.Equal("s-2", second.Call.SessionId);
        Assert.Equal(3, second.Repeat);
        Assert.Equal(PolicyOutcome.Deny, second.Expect);
        Assert.Equal("/tools/code_generate/deny_if/0", second.Rule);
        Assert.Equal("Shell", second.ReasonContains);
        Assert.True(second.Visible);
        Assert.Equal("""{"language":"bash"}""", second.ArgumentsText);
    }

    [Fact]
    public void Parse_ACaseWithoutATime_HappensWhenTheCaseBeforeIt()
    {
        var result = PolicyTestFileParser.Parse("""
            cases:
              - { tool: t, expect: allow }
              - { tool: t, expect: allow, at: 2026-11-25T12:00:30Z }
              - { tool: t, expect: allow }
            """, PolicyFormat.Yaml);

        Assert.Equal([PolicyTestFile.DefaultTime, PolicyTestFile.DefaultTime.AddSeconds(30), PolicyTestFile.DefaultTime.AddSeconds(30)],
            result.File!.Cases.Select(c => c.Call.Time));
    }

    [Fact]
    public void Parse_WithoutAnyTime_UsesTheFixedInstant()
    {
        var result = PolicyTestFileParser.Parse("""{"cases": [{"tool": "t", "expect": "require_approval"}]}""", PolicyFormat.Json);

        Assert.Equal(PolicyTestFile.DefaultTime, result.File!.Cases[0].Call.Time);
        Assert.Equal(PolicyOutcome.RequireApproval, result.File.Cases[0].Expect);
    }

    [Theory]
    [InlineData("cases:\n  - tool: t\n    expct: allow\n", "/cases/0/expct", 3, "Unknown key 'expct'.", "Did you mean 'expect'?")]
    [InlineData("cases:\n  - tool: t\n    expect: denied\n", "/cases/0/expect", 3, "'denied' is not a decision.", "Did you mean 'deny'?")]
    [InlineData("cases:\n  - tool: t\n    expect: approval\n", "/cases/0/expect", 3, "'approval' is not a decision.", "Did you mean 'require_approval'? Expected one of: allow, deny, require_approval.")]
    [InlineData("cases:\n  - tool: t\n    expect: alow\n", "/cases/0/expect", 3, "'alow' is not a decision.", "Did you mean 'allow'?")]
    [InlineData("cases:\n  - tool: t\n    expect: hidden\n", "/cases/0/expect", 3, "'hidden' is not a decision.", "rule: \"(hidden)\"")]
    [InlineData("polcy: p.json\ncases:\n  - { tool: t, expect: allow }\n", "/polcy", 1, "Unknown key 'polcy'.", "Did you mean 'policy'?")]
    [InlineData("cases:\n  - tool: t\n", "/cases/0", 2, "The case has no 'expect'.", "Add expect:")]
    [InlineData("cases:\n  - expect: allow\n", "/cases/0", 2, "The case has no 'tool'.", "Add tool:")]
    [InlineData("cases:\n  - { tool: t, expect: allow, repeat: 0 }\n", "/cases/0/repeat", 2, "'repeat' is a whole number from 1 to 100000, not 0.", null)]
    [InlineData("cases:\n  - { tool: t, expect: allow, at: tomorrow }\n", "/cases/0/at", 2, "\"tomorrow\" is not a date and time.", "2026-11-25T12:00:30Z")]
    [InlineData("cases:\n  - { tool: t, expect: allow, arguments: [1] }\n", "/cases/0/arguments", 2, "'arguments' is an object", null)]
    [InlineData("cases:\n  - { tool: t, expect: allow, grant: { labels: {} } }\n", "/cases/0/grant", 2, "The grant has no name.", null)]
    [InlineData("cases:\n  - { tool: t, expect: allow, visible: yes }\n", "/cases/0/visible", 2, "'visible' is true or false", null)]
    [InlineData("cases: []\n", "/cases", 1, "'cases' is empty", null)]
    [InlineData("tool: t\n", "/tool", 1, "Unknown key 'tool'.", null)]
    [InlineData("cases:\n  - { tool: t, expect: allow, at: 2026-11-25T12:00:30Z }\n  - { tool: t, expect: allow, at: 2026-11-25T12:00:00Z }\n",
        "/cases/1/at", 3, "before the case before it (/cases/0, at 2026-11-25T12:00:30Z)", "Cases run in order")]
    public void Parse_AMistake_NamesTheLineAndTheKey(string text, string path, int line, string message, string? hint)
    {
        var result = PolicyTestFileParser.Parse(text, PolicyFormat.Yaml);

        Assert.Null(result.File);
        var error = Assert.Single(result.Errors, e => e.Path == path);
        Assert.Equal(line, error.Position.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        if (hint is not null)
        {
            Assert.Contains(hint, error.Hint, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_ReportsEveryProblemAtOnce()
    {
        var result = PolicyTestFileParser.Parse("""
            {"cases": [
              {"tool": "a", "expect": "alow"},
              {"tool": "b", "expect": "deny", "rul": "/tools/b"}
            ]}
            """, PolicyFormat.Json);

        Assert.Equal(["/cases/0/expect", "/cases/1/rul"], result.Errors.Select(e => e.Path));
        Assert.Equal([2, 3], result.Errors.Select(e => e.Position.Line));
    }

    [Fact]
    public void Parse_AMisspeltRequiredKey_IsReportedOnce()
    {
        var result = PolicyTestFileParser.Parse("cases:\n  - { tol: t, expct: allow }\n", PolicyFormat.Yaml);

        Assert.Equal(["Unknown key 'tol'.", "Unknown key 'expct'."], result.Errors.Select(e => e.Message));
    }

    [Fact]
    public void Parse_InvalidYaml_IsOneError()
    {
        var result = PolicyTestFileParser.Parse("cases: [\n", PolicyFormat.Yaml);

        Assert.Contains("not valid YAML", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }
}
