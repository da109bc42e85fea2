using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Conditions;

/// <summary>The call a condition is evaluated against, passed by reference to avoid copies.</summary>
internal readonly struct EvaluationContext(ToolCall call)
{
    public ToolCall Call { get; } = call;
}
