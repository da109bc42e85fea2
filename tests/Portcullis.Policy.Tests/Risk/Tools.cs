using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

/// <summary>Builds tool definitions and server contexts for the classifier's tests.</summary>
internal static class Tools
{
    /// <summary>The brief's server: CodexMCP, which wraps the OpenAI Codex CLI.</summary>
    public static ServerContext Codex { get; } = new("CodexMCP", null, null,
        "Wraps the OpenAI Codex CLI to provide AI-powered code generation, refactoring, and documentation.");

    /// <summary>The brief's tool: code_generate with an empty description, as the C# SDK advertises it.</summary>
    public static JsonElement CodeGenerate { get; } = Json("""
        {"name": "code_generate", "description": "",
         "inputSchema": {"type": "object",
           "properties": {
             "description": {"type": "string"},
             "language": {"type": "string", "default": "Python"},
             "feedback": {"type": "string", "default": ""},
             "iteration": {"type": "integer", "default": 1},
             "model": {"type": "string", "default": "o4-mini"}},
           "required": ["description"]}}
        """);

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>A tool with a name, a description, optional string properties and optional annotations JSON.</summary>
    public static JsonElement Tool(string name, string? description = null, string[]? properties = null, string? annotations = null)
    {
        var tool = new Dictionary<string, object?> { ["name"] = name };
        if (description is not null)
        {
            tool["description"] = description;
        }

        tool["inputSchema"] = new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = (properties ?? []).ToDictionary(p => p, p => (object)new Dictionary<string, string> { ["type"] = "string" }),
        };
        if (annotations is not null)
        {
            tool["annotations"] = JsonDocument.Parse(annotations).RootElement.Clone();
        }

        return JsonSerializer.SerializeToElement(tool);
    }

    public static RiskAssessment Classify(string name, string? description = null, string[]? properties = null, string? annotations = null, ServerContext? server = null) =>
        RiskClassifier.Classify(server ?? ServerContext.Unknown, Tool(name, description, properties, annotations));
}
