using Portcullis.Policy;

namespace Portcullis.Gateway.Policies;

/// <summary>The names under which the policy store keeps the format of a version's text.</summary>
internal static class PolicyFormats
{
    /// <summary>The stored name of a policy format.</summary>
    public static string Name(PolicyFormat format) => format == PolicyFormat.Yaml ? "yaml" : "json";

    /// <summary>The stored name of the format of a policy file, from its extension (<c>.yaml</c> and <c>.yml</c> are YAML, anything else JSON).</summary>
    public static string NameOfFile(string path) => Name(PolicyParser.FormatOf(path));

    /// <summary>The policy format a stored name stands for.</summary>
    public static PolicyFormat Parse(string name) => name == "yaml" ? PolicyFormat.Yaml : PolicyFormat.Json;
}
