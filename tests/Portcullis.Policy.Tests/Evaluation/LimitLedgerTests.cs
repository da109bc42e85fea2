using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests.Evaluation;

public sealed class LimitLedgerTests
{
    [Fact]
    public void Reserve_IsAllOrNothing_AcrossTheLimitsOfOneCall()
    {
        var policy = Policies.Compile("""
            {"version": "1", "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 3}]},
             "tools": {"a": {"limits": [{"counter": "a", "window": "minute", "max": 1}]}, "b": {}}}
            """);
        var ledger = new LimitLedger();

        var first = ledger.Reserve(policy.Evaluate(Policies.Call("a")), Policies.Noon);
        var second = ledger.Reserve(policy.Evaluate(Policies.Call("a")), Policies.Noon);
        var reservation = policy.Evaluate(Policies.Call("a")).Limits[1];

        Assert.Equal(PolicyOutcome.Allow, first.Outcome);
        Assert.Equal("/tools/a/limits/0", second.RuleId);
        Assert.Equal(1, ledger.Used(reservation, Policies.Noon));
        Assert.Equal(PolicyOutcome.Allow, ledger.Reserve(policy.Evaluate(Policies.Call("b")), Policies.Noon).Outcome);
        Assert.Equal(PolicyOutcome.Allow, ledger.Reserve(policy.Evaluate(Policies.Call("b")), Policies.Noon).Outcome);
        Assert.Equal("/all_tools/limits/0", ledger.Reserve(policy.Evaluate(Policies.Call("b")), Policies.Noon).RuleId);
    }

    [Fact]
    public void Reserve_ANewWindow_StartsFromZero_AndValueQuotasAddTheirAmount()
    {
        var policy = Policies.Compile("""
            {"version": "1", "tools": {"pay": {"limits": [{"counter": "spend", "window": "minute", "max": 100, "increment_from": "args.amount"}]}}}
            """);
        var ledger = new LimitLedger();

        Assert.Equal(PolicyOutcome.Allow, ledger.Reserve(policy.Evaluate(Policies.Call("pay", """{"amount": 60}""")), Policies.Noon).Outcome);
        Assert.Equal(PolicyOutcome.Deny, ledger.Reserve(policy.Evaluate(Policies.Call("pay", """{"amount": 41}""")), Policies.Noon).Outcome);
        Assert.Equal(PolicyOutcome.Allow, ledger.Reserve(policy.Evaluate(Policies.Call("pay", """{"amount": 40}""")), Policies.Noon).Outcome);
        var later = Policies.Noon.AddMinutes(1);
        Assert.Equal(PolicyOutcome.Allow,
            ledger.Reserve(policy.Evaluate(Policies.Call("pay", """{"amount": 100}""", time: later)), later).Outcome);
    }

    [Fact]
    public void Reserve_ASlidingWindow_CountsTheLastWindowLongInterval_AndSaysWhenTheNextCallFits()
    {
        var policy = Policies.Compile("""
            {"version": "1", "tools": {"a": {"limits": [{"counter": "a", "window": "minute", "max": 2, "algorithm": "sliding"}]}}}
            """);
        var ledger = new LimitLedger();
        PolicyDecision At(int seconds) => ledger.Reserve(policy.Evaluate(Policies.Call("a", time: Policies.Noon.AddSeconds(seconds))), Policies.Noon.AddSeconds(seconds));

        Assert.Equal(PolicyOutcome.Allow, At(50).Outcome);
        Assert.Equal(PolicyOutcome.Allow, At(70).Outcome);
        var denied = At(100);
        Assert.Equal(PolicyOutcome.Deny, denied.Outcome);
        Assert.Contains("The next call fits at 2026-11-25T12:01:50Z (in 10 s).", denied.Reason, StringComparison.Ordinal);
        Assert.Equal(PolicyOutcome.Allow, At(110).Outcome);
    }

    [Theory]
    [InlineData("""{"tools": {"t": {}}}""", "t", CallInputs.None)]
    [InlineData("""{"tools": {"t": {"require": [{"path": "args.a", "op": "exists"}]}}}""", "t", CallInputs.Arguments)]
    [InlineData("""{"tools": {"t": {"deny_if": [{"conditions": [{"path": "grant.labels.env", "op": "eq", "value": "prod"}]}]}}}""", "t", CallInputs.GrantLabels)]
    [InlineData("""{"tools": {"t": {"limits": [{"counter": "c", "window": 60, "max": 5, "increment_from": "args.n"}]}}}""", "t", CallInputs.Arguments)]
    [InlineData("""{"tools": {"t": {"validate_args": true}}}""", "t", CallInputs.Arguments | CallInputs.InputSchema)]
    [InlineData("""{"all_tools": {"approval": {"when": [{"path": "args.x", "op": "gt", "value": 1}]}}, "tools": {"t": {}}}""", "t", CallInputs.Arguments)]
    [InlineData("""{"tools": {"t": {"action": "deny", "require": [{"path": "args.a", "op": "exists"}]}}}""", "t", CallInputs.None)]
    [InlineData("""{"hide": ["t"], "tools": {"t": {"require": [{"path": "args.a", "op": "exists"}]}}}""", "t", CallInputs.None)]
    [InlineData("""{"all_tools": {"require": [{"path": "args.a", "op": "exists"}]}}""", "unlisted", CallInputs.None)]
    public void InputsOf_NamesWhatDecidingReads(string body, string tool, CallInputs expected)
    {
        var policy = Policies.Compile("""{"version": "1", """ + body[1..]);

        Assert.Equal(expected, policy.InputsOf(tool));
    }
}
