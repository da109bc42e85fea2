namespace Portcullis.Policy.Documents;

/// <summary>A counter: at most <see cref="Max"/> per window (fixed or sliding), per scope.</summary>
public sealed record LimitRule
{
    /// <summary>The counter's name; limits with the same name share one counter.</summary>
    public required string Counter { get; init; }

    /// <summary>Window length in seconds; windows are aligned to the UTC epoch.</summary>
    public required long WindowSeconds { get; init; }

    /// <summary>The most calls (or units with <see cref="IncrementFrom"/>) per window.</summary>
    public required long Max { get; init; }

    /// <summary>Whose calls count together.</summary>
    public LimitScope Scope { get; init; } = LimitScope.Grant;

    /// <summary>An <c>args.…</c> path whose number is added instead of 1: a value quota.</summary>
    public string? IncrementFrom { get; init; }

    /// <summary>Fixed windows aligned to the clock (the default), or a sliding window.</summary>
    public LimitAlgorithm Algorithm { get; init; } = LimitAlgorithm.Fixed;
}
