namespace Portcullis.Policy;

/// <summary>
/// One problem found in a policy document: where it is (a JSON Pointer and a line/column),
/// what is wrong, and how to fix it.
/// </summary>
/// <param name="Path">JSON Pointer to the offending value, e.g. <c>/tools/code_generate/limits/0/max</c>.</param>
/// <param name="Position">Line and column of the offending value or key.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Hint">How to fix it, when there is something useful to say.</param>
public sealed record PolicyError(string Path, SourcePosition Position, string Message, string? Hint = null)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = Path.Length == 0 ? "/" : Path;
        return Hint is null
            ? $"{where} ({Position}): {Message}"
            : $"{where} ({Position}): {Message} {Hint}";
    }
}
