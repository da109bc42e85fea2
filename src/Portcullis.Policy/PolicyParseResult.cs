using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy;

/// <summary>A compiled policy, or the errors that stopped it from compiling.</summary>
/// <param name="Policy">The compiled policy; null when there are errors.</param>
/// <param name="Errors">Every problem found, in document order.</param>
public sealed record PolicyParseResult(CompiledPolicy? Policy, ImmutableArray<PolicyError> Errors)
{
    /// <summary>True when the policy compiled.</summary>
    [MemberNotNullWhen(true, nameof(Policy))]
    public bool Succeeded => Policy is not null;
}
