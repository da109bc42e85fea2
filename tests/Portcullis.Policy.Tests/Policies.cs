using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests;

/// <summary>Compiling policies and building calls for tests.</summary>
internal static class Policies
{
    public static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly PolicyGrant Alice = new("alice", [new("team", "platform"), new("env", "production")]);

    public static readonly PolicyGrant Bob = new("bob");

    public static string Example(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", name));

    public static CompiledPolicy Compile(string text, PolicyFormat format = PolicyFormat.Json)
    {
        var result = PolicyParser.Parse(text, format);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return result.Policy;
    }

    public static CompiledPolicy CompileYaml(string text) => Compile(text, PolicyFormat.Yaml);

    public static IReadOnlyList<PolicyError> Errors(string text, PolicyFormat format = PolicyFormat.Json)
    {
        var result = PolicyParser.Parse(text, format);
        Assert.False(result.Succeeded, "The policy was expected to be rejected.");
        return result.Errors;
    }

    public static ToolCall Call(string tool, string arguments = "{}", PolicyGrant? grant = null, DateTimeOffset? time = null, string? session = "session-1") =>
        new("codex", tool, Parse(arguments), grant ?? Alice, session, time ?? Noon);

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
