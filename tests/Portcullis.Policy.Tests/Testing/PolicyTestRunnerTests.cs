using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Testing;

namespace Portcullis.Policy.Tests.Testing;

public sealed class PolicyTestRunnerTests
{
    private static readonly CompiledPolicy s_brief = Policies.Compile(Policies.Example("brief.json"));

    [Fact]
    public void Run_TheEleventhCallInAMinute_IsDeniedByTheLimit()
    {
        var results = Run(s_brief, """
            cases:
              - { tool: code_generate, repeat: 10, expect: allow, at: 2026-11-25T12:00:05Z }
              - { tool: code_generate, expect: deny, rule: /tools/code_generate/limits/0, reason_contains: "The window resets at 2026-11-25T12:01:00Z (in 55 s)" }
              - { tool: code_generate, grant: other, expect: allow }
              - { tool: code_generate, expect: allow, at: 2026-11-25T12:01:00Z }
            """);

        Assert.All(results, r => Assert.True(r.Passed, string.Join("; ", r.Failures)));
        Assert.Equal(10, results[0].Call);
    }

    [Fact]
    public void Run_ARepeatedCaseThatFails_NamesTheCallThatFailed_AndStops()
    {
        var results = Run(s_brief, """
            cases:
              - { name: twelve, tool: code_generate, repeat: 12, expect: allow }
              - { tool: code_generate, expect: deny }
            """);

        Assert.False(results[0].Passed);
        Assert.Equal(11, results[0].Call);
        Assert.Equal("call 11 of 12: expected allow, got deny by /tools/code_generate/limits/0", Assert.Single(results[0].Failures));
        Assert.Equal(PolicyOutcome.Allow, results[0].Explanation.Decision.Outcome);
        Assert.True(results[1].Passed);
    }

    [Fact]
    public void Run_ReportsEveryExpectationThatDoesNotHold()
    {
        var results = Run(s_brief, """
            cases:
              - { tool: describe_codebase, expect: allow, rule: /tools/describe_codebase, reason_contains: Allowed, visible: true }
            """);

        Assert.Equal(
        [
            "expected allow, got deny by (default deny)",
            "expected rule /tools/describe_codebase, got (default deny)",
            "expected the reason to contain \"Allowed\", got \"Tool 'describe_codebase' is not allowed by this policy (default deny).\"",
            "expected the tool in tools/list, but the policy leaves it out",
        ], results[0].Failures);
        Assert.Contains(results[0].Explanation.Steps, s => s.RuleId == RuleIds.DefaultDeny && s.Result == ExplainResult.Denied);
    }

    [Fact]
    public void Run_AHeldCall_KeepsItsReservation_AndShadowModeStillReportsTheOutcome()
    {
        var policy = Policies.Compile("""
            {"version": "1", "mode": "shadow", "tools": {"deploy": {"action": "require_approval",
              "limits": [{"counter": "deploys", "window": "day", "max": 1}]}}}
            """);

        var results = Run(policy, """
            cases:
              - { tool: deploy, expect: require_approval, rule: /tools/deploy/action }
              - { tool: deploy, expect: deny, rule: /tools/deploy/limits/0 }
              - { tool: delete, expect: deny, visible: false }
            """);

        Assert.All(results, r => Assert.True(r.Passed, string.Join("; ", r.Failures)));
        Assert.True(results[1].Decision.IsShadow);
    }

    private static System.Collections.Immutable.ImmutableArray<PolicyTestResult> Run(CompiledPolicy policy, string yaml)
    {
        var file = PolicyTestFileParser.Parse(yaml, PolicyFormat.Yaml);
        Assert.True(file.File is not null, string.Join("\n", file.Errors));
        return PolicyTestRunner.Run(policy, file.File);
    }
}
