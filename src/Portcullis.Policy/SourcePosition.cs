namespace Portcullis.Policy;

/// <summary>A 1-based line and column in a policy document.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}
