using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests.Conditions;

/// <summary>Every operator with a true, a false, a type-mismatch and a missing-path case, through a <c>require</c> rule.</summary>
public sealed class ConditionOperatorTests
{
    private const string Args = """
        {"n": 10, "f": 2.5, "s": "hello world", "b": true, "z": null, "list": ["a", "b", 3], "obj": {"k": "v"},
         "big": 9007199254740993, "emoji": "😀😀", "nested": {"arr": [{"name": "x"}]}}
        """;

    [Theory]
    // eq
    [InlineData("args.n", "eq", "10", true)]
    [InlineData("args.n", "eq", "10.0", true)]
    [InlineData("args.n", "eq", "11", false)]
    [InlineData("args.n", "eq", "\"10\"", false)]
    [InlineData("args.missing", "eq", "10", false)]
    [InlineData("args.s", "eq", "\"hello world\"", true)]
    [InlineData("args.s", "eq", "\"Hello world\"", false)]
    [InlineData("args.b", "eq", "true", true)]
    [InlineData("args.z", "eq", "null", true)]
    [InlineData("args.big", "eq", "9007199254740992", false)]
    [InlineData("args.nested.arr[0].name", "eq", "\"x\"", true)]
    [InlineData("args.list[2]", "eq", "3", true)]
    [InlineData("args.list[9]", "eq", "3", false)]
    // neq
    [InlineData("args.n", "neq", "11", true)]
    [InlineData("args.n", "neq", "10", false)]
    [InlineData("args.n", "neq", "\"11\"", false)]
    [InlineData("args.missing", "neq", "1", false)]
    // in / not_in
    [InlineData("args.s", "in", "[\"x\", \"hello world\"]", true)]
    [InlineData("args.s", "in", "[\"x\", \"y\"]", false)]
    [InlineData("args.n", "in", "[\"10\"]", false)]
    [InlineData("args.missing", "in", "[1]", false)]
    [InlineData("args.n", "not_in", "[1, 2]", true)]
    [InlineData("args.n", "not_in", "[10.00, 2]", false)]
    [InlineData("args.n", "not_in", "[\"a\"]", false)]
    [InlineData("args.missing", "not_in", "[1]", false)]
    // ordering
    [InlineData("args.n", "lt", "11", true)]
    [InlineData("args.n", "lt", "10", false)]
    [InlineData("args.n", "lte", "10", true)]
    [InlineData("args.f", "gt", "2", true)]
    [InlineData("args.f", "gte", "2.6", false)]
    [InlineData("args.s", "gt", "\"apple\"", true)]
    [InlineData("args.s", "lt", "\"apple\"", false)]
    [InlineData("args.s", "lt", "5", false)]
    [InlineData("args.missing", "gt", "0", false)]
    // regex
    [InlineData("args.s", "regex", "\"^hello\\\\s\"", true)]
    [InlineData("args.s", "regex", "\"^world\"", false)]
    [InlineData("args.n", "regex", "\"1\"", false)]
    [InlineData("args.missing", "regex", "\".*\"", false)]
    // glob
    [InlineData("args.s", "glob", "\"hello*\"", true)]
    [InlineData("args.s", "glob", "\"hello\"", false)]
    [InlineData("args.s", "glob", "\"hello?world\"", true)]
    [InlineData("args.n", "glob", "\"*\"", false)]
    [InlineData("args.missing", "glob", "\"*\"", false)]
    // contains
    [InlineData("args.s", "contains", "\"lo wo\"", true)]
    [InlineData("args.s", "contains", "\"xyz\"", false)]
    [InlineData("args.list", "contains", "3", true)]
    [InlineData("args.list", "contains", "\"c\"", false)]
    [InlineData("args.n", "contains", "\"1\"", false)]
    [InlineData("args.missing", "contains", "\"a\"", false)]
    // starts_with / ends_with
    [InlineData("args.s", "starts_with", "\"hello\"", true)]
    [InlineData("args.s", "starts_with", "\"world\"", false)]
    [InlineData("args.n", "starts_with", "\"1\"", false)]
    [InlineData("args.missing", "starts_with", "\"\"", false)]
    [InlineData("args.s", "ends_with", "\"world\"", true)]
    [InlineData("args.s", "ends_with", "\"hello\"", false)]
    [InlineData("args.b", "ends_with", "\"e\"", false)]
    [InlineData("args.missing", "ends_with", "\"\"", false)]
    // max_length
    [InlineData("args.s", "max_length", "11", true)]
    [InlineData("args.s", "max_length", "10", false)]
    [InlineData("args.emoji", "max_length", "2", true)]
    [InlineData("args.list", "max_length", "3", true)]
    [InlineData("args.list", "max_length", "2", false)]
    [InlineData("args.n", "max_length", "100", false)]
    [InlineData("args.missing", "max_length", "100", false)]
    public void Require_Operator_HoldsAsExpected(string path, string op, string value, bool holds)
    {
        AssertHolds($$"""{"path": "{{path}}", "op": "{{op}}", "value": {{value}}}""", Args, holds);
    }

    [Theory]
    [InlineData("args.z", "exists", true)]
    [InlineData("args.obj.k", "exists", true)]
    [InlineData("args.missing", "exists", false)]
    [InlineData("args.obj.k.deeper", "exists", false)]
    [InlineData("args.missing", "not_exists", true)]
    [InlineData("args.n", "not_exists", false)]
    [InlineData("args.z", "not_exists", false)]
    public void Require_PresenceOperator_HoldsAsExpected(string path, string op, bool holds)
    {
        AssertHolds($$"""{"path": "{{path}}", "op": "{{op}}"}""", Args, holds);
    }

    [Theory]
    [InlineData("tool.name", "eq", "\"t\"", true)]
    [InlineData("grant.name", "eq", "\"alice\"", true)]
    [InlineData("grant.name", "eq", "\"bob\"", false)]
    [InlineData("grant.labels.team", "eq", "\"platform\"", true)]
    [InlineData("grant.labels.unknown", "eq", "\"platform\"", false)]
    [InlineData("session.id", "starts_with", "\"session-\"", true)]
    [InlineData("time.hour", "eq", "12", true)]
    [InlineData("time.hour", "lt", "12", false)]
    [InlineData("time.weekday", "eq", "\"wednesday\"", true)]
    [InlineData("time.weekday", "in", "[\"saturday\", \"sunday\"]", false)]
    public void Require_ContextPath_HoldsAsExpected(string path, string op, string value, bool holds)
    {
        AssertHolds($$"""{"path": "{{path}}", "op": "{{op}}", "value": {{value}}}""", "{}", holds);
    }

    [Fact]
    public void Require_SessionIdWithoutSession_IsMissing()
    {
        var policy = Policies.Compile("""{"version":"1","tools":{"t":{"require":[{"path":"session.id","op":"exists"}]}}}""");

        Assert.Equal(PolicyOutcome.Deny, policy.Evaluate(Policies.Call("t", session: null)).Outcome);
        Assert.Equal(PolicyOutcome.Allow, policy.Evaluate(Policies.Call("t")).Outcome);
    }

    [Fact]
    public void Require_CallWithoutArguments_TreatsArgsAsMissing()
    {
        var policy = Policies.Compile("""{"version":"1","tools":{"t":{"require":[{"path":"args.x","op":"not_exists"}]}}}""");
        var call = Policies.Call("t") with { Arguments = default };

        Assert.Equal(PolicyOutcome.Allow, policy.Evaluate(call).Outcome);
    }

    [Fact]
    public void Regex_CatastrophicBacktracking_TimesOutAndDenies()
    {
        var policy = Policies.Compile("""
            {"version":"1","tools":{"t":{"deny_if":[{"conditions":[{"path":"args.s","op":"regex","value":"^(a+)+$"}],"on_deny":"no"}]}}}
            """);
        var evil = new string('a', 40) + "!";

        var decision = policy.Evaluate(Policies.Call("t", $$"""{"s": "{{evil}}"}"""));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal("/tools/t/deny_if/0", decision.RuleId);
        Assert.Contains("ran out of time", decision.Reason, StringComparison.Ordinal);
    }

    private static void AssertHolds(string condition, string args, bool holds)
    {
        var policy = Policies.Compile("""{"version": "1", "default": "deny", "tools": {"t": {"require": [""" + condition + "]}}}");
        var decision = policy.Evaluate(Policies.Call("t", args));
        Assert.Equal(holds ? PolicyOutcome.Allow : PolicyOutcome.Deny, decision.Outcome);
        if (!holds)
        {
            Assert.Equal("/tools/t/require/0", decision.RuleId);
        }
    }
}
