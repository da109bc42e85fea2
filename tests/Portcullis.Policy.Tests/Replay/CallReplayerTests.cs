using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Replay;

namespace Portcullis.Policy.Tests.Replay;

public sealed class CallReplayerTests
{
    private static readonly CompiledPolicy s_policy = Policies.Compile("""
        {"version": "1", "default": "allow",
         "tools": {
           "generate": {"deny_if": [{"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}], "on_deny": "No shells."}]},
           "review": {"limits": [{"counter": "reviews", "window": "minute", "max": 1}]},
           "deploy": {"require": [{"path": "grant.labels.team", "op": "eq", "value": "platform"}]},
           "check": {"validate_args": true},
           "describe": {"action": "deny"}
         }}
        """);

    [Fact]
    public void Replay_DecidesAgainInTimeOrder_CountingLimitsFromTheFirstCall()
    {
        var replayed = CallReplayer.Replay(s_policy,
        [
            Recorded("review", PolicyOutcome.Allow, at: 20),
            Recorded("review", PolicyOutcome.Allow, at: 10),
            Recorded("review", PolicyOutcome.Allow, at: 70),
        ]);

        Assert.Equal([10, 20, 70], replayed.Select(r => r.Call.Time.Second + (r.Call.Time.Minute * 60)));
        Assert.Equal([false, true, false], replayed.Select(r => r.Changed));
        Assert.Equal("/tools/review/limits/0", replayed[1].Decision!.Value.RuleId);
    }

    [Fact]
    public void Replay_ReadsRecordedValues_AndNeverGuessesMissingOnes()
    {
        var replayed = CallReplayer.Replay(s_policy,
        [
            Recorded("generate", PolicyOutcome.Allow, arguments: """{"language": "bash"}"""),
            Recorded("generate", PolicyOutcome.Allow, arguments: null),
            Recorded("generate", PolicyOutcome.Allow, arguments: """{"language": "[REDACTED:api_key]"}""", redacted: true),
            Recorded("deploy", PolicyOutcome.Allow, labels: null),
            Recorded("deploy", PolicyOutcome.Allow, labels: new Dictionary<string, string> { ["team"] = "platform" }),
            Recorded("check", PolicyOutcome.Allow, arguments: "{}"),
            Recorded("describe", PolicyOutcome.Allow, arguments: null),
        ]);

        Assert.Equal(
        [
            null,
            "the policy reads argument values, and only their names were recorded (audit_args: keys)",
            "the policy reads argument values, and some were recorded masked (audit_args: redacted)",
            "the policy reads grant labels, and grant 'agent' no longer exists",
            null,
            "validate_args needs the server's input schema, which the audit log does not keep",
            null,
        ], replayed.Select(r => r.NotReplayable));
        Assert.Equal(("No shells.", true), (replayed[0].Decision!.Value.Reason, replayed[0].Changed));
        Assert.False(replayed[4].Changed);
        // action: deny reads nothing of the call, so a names-only record replays.
        Assert.Equal(PolicyOutcome.Deny, replayed[6].Decision!.Value.Outcome);
        Assert.False(replayed[1].Changed);
    }

    [Theory]
    [InlineData("/tools/deploy/approval", true)]
    [InlineData("/tools/deploy/action", true)]
    [InlineData("/tools/a~1b/action", true)]
    [InlineData("/tools/describe/action", false)]
    [InlineData("/all_tools/action", false)]
    [InlineData("/tools/deploy/limits/0", false)]
    [InlineData("(default deny)", false)]
    public void HoldsForApproval_TellsAHoldFromADenial(string ruleId, bool holds)
    {
        var document = Policies.Compile("""
            {"version": "1", "tools": {"deploy": {"action": "require_approval", "limits": [{"counter": "c", "window": 60, "max": 1}]},
             "a/b": {"action": "require_approval"}, "describe": {"action": "deny"}}}
            """).Document;

        Assert.Equal(holds, RuleIds.HoldsForApproval(document, ruleId));
    }

    private static RecordedCall Recorded(string tool, PolicyOutcome outcome, int at = 0, string? arguments = "{}", bool redacted = false,
        IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Time = Policies.Noon.AddSeconds(at),
        ServerId = "codex",
        Tool = tool,
        GrantName = "agent",
        GrantLabels = labels ?? (tool == "deploy" ? null : new Dictionary<string, string>()),
        Session = "s-1",
        Arguments = arguments is null ? null : Policies.Parse(arguments),
        ArgumentsRedacted = redacted,
        Outcome = outcome,
        RecordedDecision = "allow",
    };
}
