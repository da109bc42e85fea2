using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Properties;

/// <summary>Properties that must hold for every policy and every call.</summary>
public sealed class PolicyPropertyTests
{
    private static readonly string[] s_denyEverything =
    [
        """{"version": "1", "default": "deny"}""",
        """{"version": "1", "default": "deny", "tools": {}}""",
        """{"version": "1", "default": "allow", "all_tools": {"action": "deny"}}""",
        """{"version": "1", "default": "allow", "hide": ["*"]}""",
    ];

    [Property(MaxTest = 300)]
    public Property DenyEverythingPolicy_DeniesEveryCall()
    {
        var calls = from tool in Gen.OneOf(Gen.Elements(PolicyGenerators.ToolNames), ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => s.Get))
                    from call in PolicyGenerators.Call
                    from policy in Gen.Elements(s_denyEverything)
                    select (policy, tool, call);
        return Prop.ForAll(calls.ToArbitrary(), input =>
        {
            var policy = Policies.Compile(input.policy);
            var decision = policy.Evaluate(Build(input.call) with { ToolName = input.tool });
            // A tool denied by an action stays listed so the agent can read why; the others are not listed at all.
            var listed = policy.IsVisible(input.tool);
            return decision.Outcome == PolicyOutcome.Deny && decision.Blocks && (!listed || decision.RuleId == "/all_tools/action");
        });
    }

    [Property(MaxTest = 500)]
    public Property AddingDenyIf_NeverTurnsADenyIntoAnAllow()
    {
        var inputs = from policy in PolicyGenerators.Policy
                     from block in PolicyGenerators.DenyIf
                     from target in Gen.Choose(0, Math.Max(policy.Tools.Length, 0))
                     from call in PolicyGenerators.Call
                     select (policy, block, target, call);
        return Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var before = Policies.Compile(input.policy.ToJson()).Evaluate(Build(input.call));
            var after = Policies.Compile(input.policy.WithDenyIf(input.block, input.target)).Evaluate(Build(input.call));
            // Stronger than "deny stays deny": the extra block can only add a denial, never change anything else.
            return (after.Outcome == PolicyOutcome.Deny || after.Outcome == before.Outcome)
                && (before.Outcome != PolicyOutcome.Deny || after.Outcome == PolicyOutcome.Deny);
        });
    }

    [Property(MaxTest = 300)]
    public Property ParseSerialiseParse_IsStable()
    {
        var inputs = from policy in PolicyGenerators.Policy
                     from call in PolicyGenerators.Call
                     select (policy, call);
        return Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var first = Policies.Compile(input.policy.ToJson());
            var written = PolicyWriter.ToJson(first.Document);
            var second = Policies.Compile(written);
            var call = Build(input.call);
            return PolicyWriter.ToJson(second.Document) == written
                && first.Evaluate(call).ToString() == second.Evaluate(call).ToString();
        });
    }

    private static ToolCall Build((string Tool, string Grant, int Hour, string Arguments) call) =>
        Policies.Call(call.Tool, call.Arguments, new PolicyGrant(call.Grant), new DateTimeOffset(Policies.Noon.Date, TimeSpan.Zero).AddHours(call.Hour));
}
