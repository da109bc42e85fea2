using System.Collections.Immutable;

namespace Portcullis.Policy.Evaluation;

/// <summary>A decision with every rule that was checked to reach it.</summary>
/// <param name="Decision">The decision, exactly as <see cref="CompiledPolicy.Evaluate"/> returns it.</param>
/// <param name="Steps">The rules checked, in order; checking stops at the first denial.</param>
public sealed record PolicyExplanation(PolicyDecision Decision, ImmutableArray<ExplainStep> Steps);
