using System.Collections.Immutable;

namespace Portcullis.Policy.Differences;

/// <summary>Everything two policies decide differently, policy-wide changes first, then all_tools, unlisted tools, and tools by name.</summary>
/// <param name="Changes">The changes; empty when the two decide every call alike.</param>
public sealed record PolicyDiff(ImmutableArray<PolicyChange> Changes)
{
    /// <summary>The subject of changes to the policy as a whole (default, mode, hide, audit_args).</summary>
    public const string PolicySubject = "(policy)";

    /// <summary>The subject of changes to <c>all_tools</c>, which apply to every tool.</summary>
    public const string AllToolsSubject = "(all_tools)";

    /// <summary>The subject of changes to tools that no policy names under <c>tools</c>.</summary>
    public const string UnlistedSubject = "(unlisted tools)";

    /// <summary>True when nothing decides differently.</summary>
    public bool IsEmpty => Changes.IsEmpty;
}
