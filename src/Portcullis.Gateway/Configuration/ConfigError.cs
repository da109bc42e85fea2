using Portcullis.Policy;

namespace Portcullis.Gateway.Configuration;

/// <summary>
/// One problem in the configuration: where it is (a JSON Pointer and a line/column), what is wrong,
/// and how to fix it. Written like a <see cref="PolicyError"/>: <c>/servers/1/url (line 7, column 14): message hint</c>.
/// </summary>
/// <param name="Path">JSON Pointer into the configuration file, e.g. <c>/servers/0/url</c>.</param>
/// <param name="Position">Line and column of the offending value or key; null only when the file could not be read at all.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Hint">More on how to fix it, such as the key a misspelt one was meant to be.</param>
internal sealed record ConfigError(string Path, SourcePosition? Position, string Message, string? Hint = null)
{
    /// <summary>The same problem, from a reader that reports it as a <see cref="PolicyError"/>.</summary>
    internal static ConfigError From(PolicyError error) => new(error.Path, error.Position, error.Message, error.Hint);

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Path.Length == 0 ? "/" : Path;
        var at = Position is { } position ? $"{where} ({position})" : where;
        return Hint is null ? $"{at}: {Message}" : $"{at}: {Message} {Hint}";
    }
}
