using System.Collections.Immutable;

namespace Portcullis.Interop;

/// <summary>Every server scenario of one run of the conformance suite against one URL, in the order they ran.</summary>
/// <param name="Output">The suite's standard output and error, for when a result needs explaining.</param>
internal sealed record ConformanceRun(string Url, ImmutableArray<ConformanceScenario> Scenarios, string Output)
{
    public ConformanceScenario? Find(string name) => Scenarios.FirstOrDefault(s => s.Name == name);
}
