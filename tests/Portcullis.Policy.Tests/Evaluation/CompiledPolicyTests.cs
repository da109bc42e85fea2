using System.Text;
using System.Text.Json;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests.Evaluation;

/// <summary>The decision pipeline: order, first denial wins, all_tools, shadow mode, approval, limits and explain.</summary>
public sealed class CompiledPolicyTests
{
    private readonly CompiledPolicy _codex = Policies.Compile(Policies.Example("codex.json"));

    [Theory]
    [InlineData("delete_repo", "{}", PolicyOutcome.Deny, "(hidden)")]
    [InlineData("unknown_tool", "{}", PolicyOutcome.Deny, "(default deny)")]
    [InlineData("describe_codebase", "{}", PolicyOutcome.Deny, "/tools/describe_codebase/action")]
    [InlineData("code_generate", """{"language": "bash"}""", PolicyOutcome.Deny, "/tools/code_generate/deny_if/0")]
    [InlineData("code_generate", """{"language": "python", "iteration": 4}""", PolicyOutcome.RequireApproval, "/tools/code_generate/approval")]
    [InlineData("code_generate", """{"language": "python", "iteration": 3}""", PolicyOutcome.Allow, "/tools/code_generate")]
    [InlineData("review_code", "{}", PolicyOutcome.Allow, "/tools/review_code")]
    public void Evaluate_CodexPolicy_DecidesByTheFirstRuleThatApplies(string tool, string args, PolicyOutcome outcome, string ruleId)
    {
        var decision = _codex.Evaluate(Policies.Call(tool, args));

        Assert.Equal(outcome, decision.Outcome);
        Assert.Equal(ruleId, decision.RuleId);
        Assert.False(decision.IsShadow);
    }

    [Fact]
    public void Evaluate_DenyIf_UsesOnDenyAsTheReason()
    {
        var decision = _codex.Evaluate(Policies.Call("code_generate", """{"language": "powershell"}"""));
        Assert.Equal("Shell generation is not allowed.", decision.Reason);
        Assert.Equal(0, decision.Limits.Count);
    }

    [Fact]
    public void Evaluate_ActionDeny_UsesTheReason()
    {
        Assert.Equal("Reads arbitrary local paths.", _codex.Evaluate(Policies.Call("describe_codebase")).Reason);
    }

    [Fact]
    public void Evaluate_AllowedCall_ReservesAllToolsLimitsThenTheToolsOwn()
    {
        var decision = _codex.Evaluate(Policies.Call("code_generate", """{"language": "go"}""", time: new DateTimeOffset(2026, 11, 25, 12, 34, 56, TimeSpan.Zero)));

        var limits = decision.Limits.ToList();
        Assert.Equal(["/all_tools/limits/0", "/tools/code_generate/limits/0"], limits.Select(l => l.Limit.RuleId));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), limits[0].WindowStart);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero), limits[0].WindowEnd);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 34, 0, TimeSpan.Zero), limits[1].WindowStart);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 35, 0, TimeSpan.Zero), limits[1].WindowEnd);
        Assert.All(limits, l => Assert.Equal(1, l.Amount));
        Assert.Equal(500, limits[0].Max);
    }

    [Fact]
    public void Evaluate_HeldCall_StillReservesItsLimits()
    {
        var decision = _codex.Evaluate(Policies.Call("code_generate", """{"iteration": 9}"""));

        Assert.Equal(PolicyOutcome.RequireApproval, decision.Outcome);
        Assert.Equal(2, decision.Limits.Count);
        Assert.Equal(TimeSpan.FromMinutes(10), decision.Approval!.Timeout);
        Assert.Equal(TimeoutAction.Deny, decision.Approval.OnTimeout);
    }

    [Theory]
    [InlineData(LimitScope.Grant, "alice", "s1", "bob", "s1", false)]
    [InlineData(LimitScope.Grant, "alice", "s1", "alice", "s2", true)]
    [InlineData(LimitScope.Session, "alice", "s1", "alice", "s2", false)]
    [InlineData(LimitScope.Session, "alice", "s1", "bob", "s1", true)]
    [InlineData(LimitScope.Server, "alice", "s1", "bob", "s2", true)]
    [InlineData(LimitScope.Global, "alice", "s1", "bob", "s2", true)]
    public void Reservation_Key_IsSharedExactlyWithinItsScope(LimitScope scope, string grantA, string sessionA, string grantB, string sessionB, bool shared)
    {
        var scopeName = scope.ToString().ToLowerInvariant();
        var policy = Policies.Compile("""{"version":"1","tools":{"t":{"limits":[{"counter":"c","window":"hour","max":5,"scope":""" + "\"" + scopeName + "\"}]}}}");

        var a = policy.Evaluate(Policies.Call("t", grant: new PolicyGrant(grantA), session: sessionA)).Limits[0].Key;
        var b = policy.Evaluate(Policies.Call("t", grant: new PolicyGrant(grantB), session: sessionB)).Limits[0].Key;

        Assert.Equal(shared, a == b);
    }

    [Fact]
    public void Reservation_Key_DiffersPerServerAndWindow()
    {
        var policy = Policies.Compile("""{"version":"1","tools":{"t":{"limits":[{"counter":"c","window":"minute","max":5}]}}}""");
        var call = Policies.Call("t");

        var key = policy.Evaluate(call).Limits[0].Key;

        Assert.NotEqual(key, policy.Evaluate(call with { ServerId = "other" }).Limits[0].Key);
        Assert.NotEqual(key, policy.Evaluate(call with { Time = call.Time.AddMinutes(1) }).Limits[0].Key);
        Assert.Equal(key, policy.Evaluate(call with { Time = call.Time.AddSeconds(59) }).Limits[0].Key);
    }

    [Theory]
    [InlineData("""{"amount": 250}""", PolicyOutcome.Allow, 250)]
    [InlineData("""{"amount": 0}""", PolicyOutcome.Allow, 0)]
    [InlineData("""{"amount": 250.0}""", PolicyOutcome.Allow, 250)]
    [InlineData("""{"amount": -1}""", PolicyOutcome.Deny, 0)]
    [InlineData("""{"amount": 2.5}""", PolicyOutcome.Deny, 0)]
    [InlineData("""{"amount": "250"}""", PolicyOutcome.Deny, 0)]
    [InlineData("""{}""", PolicyOutcome.Deny, 0)]
    public void Evaluate_ValueQuota_ReservesTheArgumentsAmountOrDenies(string args, PolicyOutcome outcome, long amount)
    {
        var policy = Policies.Compile("""
            {"version":"1","tools":{"pay":{"limits":[{"counter":"spend","window":"day","max":1000,"increment_from":"args.amount"}]}}}
            """);

        var decision = policy.Evaluate(Policies.Call("pay", args));

        Assert.Equal(outcome, decision.Outcome);
        if (outcome == PolicyOutcome.Allow)
        {
            Assert.Equal(amount, decision.Limits[0].Amount);
        }
        else
        {
            Assert.Equal("/tools/pay/limits/0", decision.RuleId);
            Assert.Contains("args.amount", decision.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Evaluate_BriefRateLimitForm_IsASessionScopedLimit()
    {
        var policy = Policies.Compile("""{"version":"1","tools":{"code_generate":{"rate_limit":{"max":10,"window":60}}}}""");

        var reservation = policy.Evaluate(Policies.Call("code_generate")).Limits[0];

        Assert.Equal("/tools/code_generate/rate_limit", reservation.Limit.RuleId);
        Assert.Equal((10L, 60L, LimitScope.Session), (reservation.Max, reservation.Limit.WindowSeconds, reservation.Limit.Scope));
    }

    [Fact]
    public void Evaluate_AllToolsDenyIf_AppliesBeforeTheToolsOwn()
    {
        var policy = Policies.Compile("""
            {"version":"1","default":"allow",
             "all_tools":{"deny_if":[{"conditions":[{"path":"args.x","op":"eq","value":1}],"on_deny":"global"}]},
             "tools":{"t":{"deny_if":[{"conditions":[{"path":"args.x","op":"eq","value":1}],"on_deny":"local"}]}}}
            """);

        Assert.Equal("/all_tools/deny_if/0", policy.Evaluate(Policies.Call("t", """{"x":1}""")).RuleId);
        Assert.Equal("/all_tools/deny_if/0", policy.Evaluate(Policies.Call("anything", """{"x":1}""")).RuleId);
        Assert.Equal(RuleIds.DefaultAllow, policy.Evaluate(Policies.Call("anything", """{"x":2}""")).RuleId);
    }

    [Fact]
    public void Evaluate_AllToolsDoesNotOpenDefaultDeny()
    {
        var policy = Policies.Compile("""{"version":"1","default":"deny","all_tools":{"limits":[{"counter":"c","window":"hour","max":5}]},"tools":{}}""");
        Assert.Equal(RuleIds.DefaultDeny, policy.Evaluate(Policies.Call("t")).RuleId);
    }

    [Fact]
    public void Evaluate_RequireThenDenyIf_FirstDenialWins()
    {
        var policy = Policies.Compile("""
            {"version":"1","tools":{"t":{
              "require":[{"path":"args.a","op":"exists"}],
              "deny_if":[{"conditions":[{"path":"args.b","op":"exists"}]}]}}}
            """);

        Assert.Equal("/tools/t/require/0", policy.Evaluate(Policies.Call("t", """{"b":1}""")).RuleId);
        var denyIf = policy.Evaluate(Policies.Call("t", """{"a":1,"b":1}"""));
        Assert.Equal("/tools/t/deny_if/0", denyIf.RuleId);
        Assert.Equal("Denied by /tools/t/deny_if/0: args.b exists.", denyIf.Reason);
    }

    [Fact]
    public void Evaluate_ActionRequireApproval_HoldsEveryCall()
    {
        var policy = Policies.CompileYaml(Policies.Example("office-hours.yaml"));

        var decision = policy.Evaluate(Policies.Call("deploy"));

        Assert.Equal(PolicyOutcome.RequireApproval, decision.Outcome);
        Assert.Equal("/tools/deploy/action", decision.RuleId);
        Assert.Equal("Deployments need a second pair of eyes.", decision.Reason);
        Assert.Equal(TimeSpan.FromHours(1), decision.Approval!.Timeout);
    }

    [Fact]
    public void Evaluate_ShadowMode_ReturnsTheWouldBeDecisionFlagged()
    {
        var policy = Policies.CompileYaml(Policies.Example("office-hours.yaml"));

        var denied = policy.Evaluate(Policies.Call("shutdown"));
        var allowed = policy.Evaluate(Policies.Call("read_file"));

        Assert.Equal((PolicyOutcome.Deny, true, false), (denied.Outcome, denied.IsShadow, denied.Blocks));
        Assert.Equal((PolicyOutcome.Allow, true), (allowed.Outcome, allowed.IsShadow));
    }

    [Theory]
    [InlineData(2026, 11, 25, 9, """{"path": "/srv/app/a.txt", "content": "x"}""", "/tools/file_write")]
    [InlineData(2026, 11, 28, 9, """{"path": "/srv/app/a.txt", "content": "x"}""", "/tools/file_write/require/1")]
    [InlineData(2026, 11, 25, 19, """{"path": "/srv/app/a.txt", "content": "x"}""", "/tools/file_write/require/3")]
    [InlineData(2026, 11, 25, 9, """{"path": "/etc/passwd", "content": "x"}""", "/tools/file_write/require/4")]
    [InlineData(2026, 11, 25, 9, """{"path": "/srv/app/../../etc/passwd", "content": "x"}""", "/tools/file_write/require/4")]
    [InlineData(2026, 11, 25, 9, """{"path": "/srv/application/a.txt", "content": "x"}""", "/tools/file_write/require/4")]
    [InlineData(2026, 11, 25, 9, """{"path": "/srv/app/docs/../.git/config", "content": "x"}""", "/tools/file_write/deny_if/0")]
    public void Evaluate_OfficeHoursExample_UsesTimeGrantAndArguments(int year, int month, int day, int hour, string args, string ruleId)
    {
        var policy = Policies.CompileYaml(Policies.Example("office-hours.yaml"));
        var staging = new PolicyGrant("ci", [new("team", "platform"), new("env", "staging")]);

        var decision = policy.Evaluate(Policies.Call("file_write", args, staging, new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero)));

        Assert.Equal(ruleId, decision.RuleId);
    }

    [Fact]
    public void Evaluate_AllToolsGlobCondition_DeniesProductionWrites()
    {
        var policy = Policies.CompileYaml(Policies.Example("office-hours.yaml"));
        var decision = policy.Evaluate(Policies.Call("file_write", """{"path": "/srv/app/a", "content": "x"}"""));
        Assert.Equal(("/all_tools/deny_if/0", "Writes from production grants are not allowed."), (decision.RuleId, decision.Reason));
    }

    [Theory]
    [InlineData("admin_reset")]
    [InlineData("debug1")]
    public void Evaluate_HiddenGlob_DeniesAsUnknown(string tool)
    {
        var policy = Policies.CompileYaml(Policies.Example("office-hours.yaml"));
        var decision = policy.Evaluate(Policies.Call(tool));
        Assert.Equal((RuleIds.Hidden, $"Unknown tool: '{tool}'."), (decision.RuleId, decision.Reason));
    }

    [Fact]
    public void Explain_ListsEveryCheckedRuleInOrder()
    {
        var explanation = _codex.Explain(Policies.Call("code_generate", """{"language": "python", "iteration": 5}"""));

        Assert.Equal(PolicyOutcome.RequireApproval, explanation.Decision.Outcome);
        Assert.Equal(
            [
                ("/hide", ExplainResult.Passed),
                ("/tools/code_generate", ExplainResult.Passed),
                ("/tools/code_generate/deny_if/0", ExplainResult.Passed),
                ("/all_tools/limits/0", ExplainResult.Reserves),
                ("/tools/code_generate/limits/0", ExplainResult.Reserves),
                ("/tools/code_generate/approval", ExplainResult.HeldForApproval),
            ],
            explanation.Steps.Select(s => (s.RuleId, s.Result)));
        Assert.Equal("args.iteration gt 3", explanation.Steps[^1].Check);
    }

    [Fact]
    public void Explain_StopsAtTheFirstDenial_AndAgreesWithEvaluate()
    {
        var call = Policies.Call("code_generate", """{"language": "bash"}""");

        var explanation = _codex.Explain(call);

        Assert.Equal(ExplainResult.Denied, explanation.Steps[^1].Result);
        Assert.Equal("/tools/code_generate/deny_if/0", explanation.Steps[^1].RuleId);
        Assert.Equal(_codex.Evaluate(call).ToString(), explanation.Decision.ToString());
    }

    [Fact]
    public void FilterToolsList_RemovesHiddenAndDefaultDeniedTools_KeepsEverythingElse()
    {
        var result = Policies.Parse("""
            {"tools": [
               {"name": "code_generate", "inputSchema": {"type": "object"}},
               {"name": "delete_repo"},
               {"name": "describe_codebase"},
               {"name": "mystery"},
               {"name": "review_code", "annotations": {"readOnlyHint": true}}
             ],
             "nextCursor": "abc", "_meta": {"x": 1}}
            """);

        using var buffer = new MemoryStream();
        int removed;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            removed = _codex.WriteFilteredToolsList(result, writer);
        }

        using var filtered = JsonDocument.Parse(buffer.ToArray());
        var names = filtered.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString());
        Assert.Equal(["code_generate", "describe_codebase", "review_code"], names);
        Assert.Equal(2, removed);
        Assert.Equal("abc", filtered.RootElement.GetProperty("nextCursor").GetString());
        Assert.True(filtered.RootElement.GetProperty("tools")[2].GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
        Assert.Contains("\"_meta\":{\"x\":1}", Encoding.UTF8.GetString(buffer.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void SlidingLimit_ReservesFromTheCallsTime_AndItsDenialSaysWhenTheNextCallFits()
    {
        var policy = Policies.CompileYaml(Policies.Example("spend-quota.yaml"));
        var call = Policies.Call("list_invoices", "{}");

        var reservation = policy.Evaluate(call).Limits[0];
        var denial = PolicyDecision.SlidingLimitExceeded(reservation, call.Time, TimeSpan.FromSeconds(12.5));
        var never = PolicyDecision.SlidingLimitExceeded(reservation, call.Time, retryAfter: null);

        Assert.True(reservation.IsSliding);
        Assert.Equal((call.Time, call.Time.AddMinutes(1)), (reservation.WindowStart, reservation.WindowEnd));
        Assert.StartsWith("Rate limit 'list_invoices.rate_limit' reached: at most 10 calls in any minute per session. The next call fits at ", denial.Reason,
            StringComparison.Ordinal);
        Assert.EndsWith("(in 13 s).", denial.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(12.5), denial.RetryAfter);
        Assert.EndsWith("This call's 1 calls alone exceed it.", never.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitExceeded_ForAValueQuota_SpeaksOfUnits()
    {
        var policy = Policies.CompileYaml(Policies.Example("spend-quota.yaml"));
        var call = Policies.Call("pay_invoice", """{"currency": "EUR", "invoice_id": "INV-000042", "amount": 100}""");

        var decision = policy.Evaluate(call);
        var denial = PolicyDecision.LimitExceeded(decision.Limits[0], call.Time);

        Assert.Equal(PolicyOutcome.Allow, decision.Outcome);
        Assert.StartsWith("Rate limit 'daily_spend' reached: at most 1000 units per day per grant.", denial.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(12), denial.RetryAfter);
    }
}
