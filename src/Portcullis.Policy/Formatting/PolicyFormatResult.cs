using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Portcullis.Policy.Formatting;

/// <summary>A policy in canonical form, or why it could not be formatted.</summary>
/// <param name="Text">The formatted text; null when there are errors.</param>
/// <param name="Errors">The policy's errors, or the comments formatting would lose.</param>
public sealed record PolicyFormatResult(string? Text, ImmutableArray<PolicyError> Errors)
{
    /// <summary>True when <see cref="Text"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Text))]
    public bool Succeeded => Text is not null;

    /// <summary>Where the first comment formatting would lose is, when that is why it was refused.</summary>
    public SourcePosition? LostComment { get; init; }
}
