namespace Portcullis.Gateway.Configuration;

/// <summary>One problem in the configuration, at a JSON Pointer, with what to do about it.</summary>
/// <param name="Path">JSON Pointer into the configuration file, e.g. <c>/servers/0/url</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{(Path.Length == 0 ? "/" : Path)}: {Message}";
}
