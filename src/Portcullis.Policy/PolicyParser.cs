using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Parsing;

namespace Portcullis.Policy;

/// <summary>The two formats a policy can be written in.</summary>
public enum PolicyFormat
{
    /// <summary>JSON (strict: no comments, no trailing commas, no duplicate keys).</summary>
    Json,

    /// <summary>YAML 1.2 (core schema; no aliases).</summary>
    Yaml,
}

/// <summary>Parses, validates and compiles policy documents.</summary>
public static class PolicyParser
{
    /// <summary>Parses a policy. Either <see cref="PolicyParseResult.Policy"/> is set, or every error found is listed.</summary>
    public static PolicyParseResult Parse(string text, PolicyFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<PolicyError>();
        var root = SourceReader.Read(text, format, errors, StartHint(format));
        var document = root is null ? null : PolicyBinder.Bind(root, errors);
        if (document is null || errors.Count > 0)
        {
            return new PolicyParseResult(null, [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)]);
        }

        return new PolicyParseResult(PolicyCompiler.Compile(document), []);
    }

    /// <summary>What an empty policy file could start from, written in <paramref name="format"/>.</summary>
    internal static string StartHint(PolicyFormat format) => format == PolicyFormat.Yaml
        ? "Start from: version: \"1\", default: deny, tools: {}."
        : "Start from {\"version\": \"1\", \"default\": \"deny\", \"tools\": {}}.";

    /// <summary>The format a file name implies: <c>.yaml</c>/<c>.yml</c> are YAML, anything else JSON.</summary>
    public static PolicyFormat FormatOf(string fileName) =>
        fileName.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            ? PolicyFormat.Yaml
            : PolicyFormat.Json;
}
