using System.Collections.Immutable;

namespace Portcullis.Policy.Documents;

/// <summary>A <c>deny_if</c> block: when all its conditions hold, the call is denied with <see cref="OnDeny"/>.</summary>
/// <param name="Conditions">Conditions that must all hold for the block to deny.</param>
/// <param name="OnDeny">The reason given to the agent.</param>
public sealed record DenyIfRule(ImmutableArray<ConditionSpec> Conditions, string? OnDeny);
