using System.Collections.Immutable;

namespace Portcullis.Interop;

/// <summary>One scenario's checks. A scenario passes when it has checks and none of them failed, as the suite counts it.</summary>
internal sealed record ConformanceScenario(string Name, ImmutableArray<ConformanceCheck> Checks)
{
    public bool Passed => !Checks.IsEmpty && !Checks.Any(c => c.Failed);

    /// <summary>e.g. <c>pass 2/2</c> or <c>FAIL 1/2</c>: the outcome and the checks that succeeded of those that passed or failed.</summary>
    public string Summary
    {
        get
        {
            var decided = Checks.Count(c => c.Status is ConformanceCheck.Success or ConformanceCheck.Failure);
            var succeeded = Checks.Count(c => c.Status == ConformanceCheck.Success);
            return $"{(Passed ? "pass" : "FAIL")} {succeeded}/{decided}";
        }
    }
}
