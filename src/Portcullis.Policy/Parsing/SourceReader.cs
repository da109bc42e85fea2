namespace Portcullis.Policy.Parsing;

/// <summary>
/// Reads a JSON or YAML document into a <see cref="SourceNode"/> tree that keeps the line and
/// column of every key and value, so whatever binds the tree can say exactly where a problem is.
/// Policies, policy test files and the gateway's configuration are all read this way.
/// </summary>
public static class SourceReader
{
    /// <summary>
    /// The document's root, or null after adding the one syntax error that stopped the reading to
    /// <paramref name="errors"/>. JSON is strict (no comments, no trailing commas) and at most
    /// 64 levels deep; YAML follows the 1.2 core schema without aliases. Repeated keys are kept as
    /// written: <see cref="SourceNodeReader.ReadKeys"/> reports them.
    /// </summary>
    /// <param name="text">The document.</param>
    /// <param name="format">How it is written.</param>
    /// <param name="errors">Receives the syntax error, if any.</param>
    /// <param name="emptyHint">What to write when the text holds no document, such as a minimal example.</param>
    public static SourceNode? Read(string text, PolicyFormat format, ICollection<PolicyError> errors, string emptyHint)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        return format == PolicyFormat.Yaml ? YamlSourceReader.Read(text, errors, emptyHint) : JsonSourceReader.Read(text, errors, emptyHint);
    }
}
