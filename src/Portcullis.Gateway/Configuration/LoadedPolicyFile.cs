using Portcullis.Policy;

namespace Portcullis.Gateway.Configuration;

/// <summary>
/// A server's policy file as the configuration loader read and validated it, so that serving
/// starts from the same parse instead of parsing the file a second time.
/// </summary>
/// <param name="Text">The file's text when it was read.</param>
/// <param name="Parsed">The compiled policy, or the errors, that <paramref name="Text"/> parses to.</param>
internal sealed record LoadedPolicyFile(string Text, PolicyParseResult Parsed);
