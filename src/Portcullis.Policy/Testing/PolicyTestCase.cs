using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Testing;

/// <summary>One call of a policy test file and what the policy must decide for it.</summary>
public sealed record PolicyTestCase
{
    /// <summary>The case's name, or one made from its position.</summary>
    public required string Name { get; init; }

    /// <summary>Where the case starts in its file.</summary>
    public required SourcePosition Position { get; init; }

    /// <summary>The call, decided at <see cref="ToolCall.Time"/>.</summary>
    public required ToolCall Call { get; init; }

    /// <summary>How many times the call is made, one after another at the same time; every one must meet the expectation.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>The outcome the policy must reach.</summary>
    public required PolicyOutcome Expect { get; init; }

    /// <summary>The rule that must decide, when given.</summary>
    public string? Rule { get; init; }

    /// <summary>Text the decision's reason must contain (ordinal), when given.</summary>
    public string? ReasonContains { get; init; }

    /// <summary>Whether the tool must (true) or must not (false) appear in <c>tools/list</c>, when given.</summary>
    public bool? Visible { get; init; }

    /// <summary>The call's arguments as JSON, for reports.</summary>
    public string ArgumentsText => Call.Arguments.ValueKind == JsonValueKind.Undefined ? "{}" : Call.Arguments.GetRawText();
}
