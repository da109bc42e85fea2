using Microsoft.Extensions.Time.Testing;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests.Evaluation;

/// <summary>The product brief's example policy, verbatim, behaves as the brief describes.</summary>
public sealed class BriefPolicyTests
{
    private readonly CompiledPolicy _policy = Policies.Compile(Policies.Example("brief.json"));

    [Fact]
    public void Parse_BriefExample_HasOneGrantScopedLimit()
    {
        var rule = _policy.Document.Tools["code_generate"];
        var limit = Assert.Single(rule.Limits);
        Assert.Equal(DefaultAction.Deny, _policy.Document.Default);
        Assert.Equal(("code_generate_rate", 60L, 10L, LimitScope.Grant), (limit.Counter, limit.WindowSeconds, limit.Max, limit.Scope));
    }

    [Fact]
    public void Evaluate_EleventhCallInAMinute_IsDeniedWithResetTime_AndOtherGrantIsUnaffected()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 5, TimeSpan.Zero));
        var counters = new CounterLedger();

        for (var i = 1; i <= 10; i++)
        {
            var decision = Decide(clock, Policies.Alice, counters);
            Assert.Equal(PolicyOutcome.Allow, decision.Outcome);
            clock.Advance(TimeSpan.FromSeconds(3));
        }

        var eleventh = Decide(clock, Policies.Alice, counters);
        Assert.Equal(PolicyOutcome.Deny, eleventh.Outcome);
        Assert.Equal("/tools/code_generate/limits/0", eleventh.RuleId);
        Assert.Contains("2026-11-25T12:01:00Z", eleventh.Reason, StringComparison.Ordinal);
        Assert.Contains("in 25 s", eleventh.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(25), eleventh.RetryAfter);

        Assert.Equal(PolicyOutcome.Allow, Decide(clock, Policies.Bob, counters).Outcome);

        clock.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(PolicyOutcome.Allow, Decide(clock, Policies.Alice, counters).Outcome);
    }

    [Theory]
    [InlineData("describe_codebase")]
    [InlineData("review_code")]
    [InlineData("Code_Generate")]
    public void Evaluate_ToolWithoutRule_IsDeniedByDefault(string tool)
    {
        var decision = _policy.Evaluate(Policies.Call(tool));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal(RuleIds.DefaultDeny, decision.RuleId);
        Assert.Contains(tool, decision.Reason, StringComparison.Ordinal);
    }

    private PolicyDecision Decide(TimeProvider clock, PolicyGrant grant, CounterLedger counters)
    {
        var call = ToolCall.At(clock, "codex", "code_generate", Policies.Parse("""{"prompt":"hello"}"""), grant, "s1");
        var decision = _policy.Evaluate(call);
        if (decision.Outcome != PolicyOutcome.Allow)
        {
            return decision;
        }

        var reservation = Assert.Single(decision.Limits.ToList());
        return counters.TryAdd(reservation) ? decision : PolicyDecision.LimitExceeded(reservation, call.Time);
    }

    /// <summary>Fixed-window counting by reservation key, as a counter store does it (single-threaded here).</summary>
    private sealed class CounterLedger
    {
        private readonly Dictionary<string, long> _counts = [];

        public bool TryAdd(LimitReservation reservation)
        {
            var current = _counts.GetValueOrDefault(reservation.Key);
            if (current + reservation.Amount > reservation.Max)
            {
                return false;
            }

            _counts[reservation.Key] = current + reservation.Amount;
            return true;
        }
    }
}
