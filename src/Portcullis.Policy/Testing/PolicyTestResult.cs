using System.Collections.Immutable;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Testing;

/// <summary>How one test case came out.</summary>
/// <param name="Case">The case.</param>
/// <param name="Failures">What did not match, in words; empty when the case passed.</param>
/// <param name="Call">Which repetition decided the result: the first that failed, else the last (1-based).</param>
/// <param name="Decision">The decision of that call, after its limits.</param>
/// <param name="Explanation">Every rule checked for that call.</param>
public sealed record PolicyTestResult(PolicyTestCase Case, ImmutableArray<string> Failures, int Call, PolicyDecision Decision, PolicyExplanation Explanation)
{
    /// <summary>True when every expectation held for every repetition.</summary>
    public bool Passed => Failures.IsEmpty;
}
