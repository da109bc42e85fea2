using System.Collections.Immutable;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Testing;

/// <summary>
/// Runs a file's cases in order against one policy, with limits counted in a fresh
/// <see cref="LimitLedger"/> for the file: a case's calls count towards every later case's
/// limits, as calls to a gateway would. Calls the policy holds for approval keep their
/// reservation, as if approved.
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>Every case's result, in file order.</summary>
    public static ImmutableArray<PolicyTestResult> Run(CompiledPolicy policy, PolicyTestFile file)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(file);
        var ledger = new LimitLedger();
        var results = ImmutableArray.CreateBuilder<PolicyTestResult>(file.Cases.Length);
        foreach (var testCase in file.Cases)
        {
            results.Add(RunCase(policy, testCase, ledger));
        }

        return results.MoveToImmutable();
    }

    private static PolicyTestResult RunCase(CompiledPolicy policy, PolicyTestCase testCase, LimitLedger ledger)
    {
        PolicyTestResult? result = null;
        for (var call = 1; call <= testCase.Repeat; call++)
        {
            var explanation = policy.Explain(testCase.Call);
            var decision = ledger.Reserve(explanation.Decision, testCase.Call.Time);
            var failures = Check(policy, testCase, decision);
            if (!failures.IsEmpty && testCase.Repeat > 1)
            {
                failures = [.. failures.Select(f => $"call {call} of {testCase.Repeat}: {f}")];
            }

            result = new PolicyTestResult(testCase, failures, call, decision, explanation);
            if (!failures.IsEmpty)
            {
                // The remaining repetitions are not made: a test stops at its first failure.
                break;
            }
        }

        return result!;
    }

    private static ImmutableArray<string> Check(CompiledPolicy policy, PolicyTestCase testCase, in PolicyDecision decision)
    {
        var failures = ImmutableArray.CreateBuilder<string>();
        if (decision.Outcome != testCase.Expect)
        {
            failures.Add($"expected {PolicyOutcomeNames.NameOf(testCase.Expect)}, got {PolicyOutcomeNames.NameOf(decision.Outcome)} by {decision.RuleId}");
        }

        if (testCase.Rule is { } rule && !string.Equals(rule, decision.RuleId, StringComparison.Ordinal))
        {
            failures.Add($"expected rule {rule}, got {decision.RuleId}");
        }

        if (testCase.ReasonContains is { } text && !decision.Reason.Contains(text, StringComparison.Ordinal))
        {
            failures.Add($"expected the reason to contain \"{text}\", got \"{decision.Reason}\"");
        }

        if (testCase.Visible is { } visible && policy.IsVisible(testCase.Call.ToolName) != visible)
        {
            failures.Add(visible ? "expected the tool in tools/list, but the policy leaves it out" : "expected the tool left out of tools/list, but the policy lists it");
        }

        return failures.ToImmutable();
    }
}
