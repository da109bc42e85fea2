using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Policy.Risk;

namespace Portcullis.Benchmarks;

/// <summary>
/// Classifying tools as <c>portcullis scan</c> does: the brief's <c>code_generate</c> alone, and
/// 1,000 varied tools (names in every case style, one- to three-sentence descriptions, five-property
/// input schemas, some with annotations) from one server with a paragraph of instructions.
/// </summary>
[MemoryDiagnoser]
public class RiskClassifierBenchmark
{
    private const int ToolCount = 1000;

    private static readonly string[] s_verbs = ["get", "list", "search", "create", "update", "delete", "run", "send", "refund", "archive", "fetch", "execute", "remove", "set", "transfer"];
    private static readonly string[] s_objects = ["file", "issue", "pull request", "customer", "invoice", "shell command", "message", "branch", "record", "deployment", "payment", "page", "workflow", "comment", "table"];
    private static readonly string[][] s_properties =
    [
        ["path", "content", "encoding", "overwrite", "mode"],
        ["query", "limit", "cursor", "sort", "fields"],
        ["command", "cwd", "timeout", "env", "shell"],
        ["amount", "currency", "customer", "description", "metadata"],
        ["to", "subject", "body", "cc", "attachments"],
    ];

    private readonly ServerContext _server = new("acme-tools", "Acme Tools",
        "Tools for working with Acme's issue tracker, file store, payments and build system. Use list tools before changing anything. " +
        "Every call is made as the signed-in user; write tools need the write scope, payment tools the billing scope.",
        "Internal tools server");

    private JsonElement[] _tools = [];

    [GlobalSetup]
    public void Setup()
    {
        _tools = new JsonElement[ToolCount];
        for (var i = 0; i < ToolCount; i++)
        {
            var verb = s_verbs[i % s_verbs.Length];
            var noun = s_objects[i / s_verbs.Length % s_objects.Length];
            var words = noun.Split(' ');
            var name = (i % 3) switch
            {
                0 => $"{verb}_{string.Join('_', words)}",
                1 => verb + string.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
                _ => $"{verb}-{string.Join('-', words)}-{i}",
            };
            var properties = s_properties[i % s_properties.Length].ToDictionary(p => p, p => new { type = p is "limit" or "amount" or "timeout" ? "integer" : "string", description = $"The {p} of the {noun}." });
            var tool = new Dictionary<string, object>
            {
                ["name"] = name,
                ["description"] = (i % 4) switch
                {
                    0 => $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s a {noun}.",
                    1 => $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s the {noun} with the given id. Returns the {noun} as JSON. Does not modify other {noun}s.",
                    2 => $"Use this to {verb} a {noun} in the current project; requires the write scope. Fails if the {noun} does not exist.",
                    _ => "",
                },
                ["inputSchema"] = new { type = "object", properties, required = new[] { properties.Keys.First() } },
            };
            if (i % 5 == 0)
            {
                tool["annotations"] = new { readOnlyHint = verb is "get" or "list" or "search", destructiveHint = verb is "delete" or "remove", openWorldHint = true };
            }

            _tools[i] = JsonSerializer.SerializeToElement(tool);
        }

        if (RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate).Category != RiskCategory.Execute)
        {
            throw new InvalidOperationException("Benchmark setup is wrong: the brief's code_generate must classify as Execute.");
        }
    }

    [Benchmark(Baseline = true, Description = "brief's code_generate, one tool")]
    public RiskCategory CodeGenerate() => RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate).Category;

    [Benchmark(Description = "1,000 varied tools, one server")]
    public int Thousand()
    {
        var execute = 0;
        foreach (var tool in _tools)
        {
            if (RiskClassifier.Classify(_server, tool).Category == RiskCategory.Execute)
            {
                execute++;
            }
        }

        return execute;
    }

    private static class Tools
    {
        public static readonly ServerContext Codex = new("CodexMCP", null, null,
            "Wraps the OpenAI Codex CLI to provide AI-powered code generation, refactoring, and documentation.");

        public static readonly JsonElement CodeGenerate = JsonDocument.Parse("""
            {"name": "code_generate", "description": "",
             "inputSchema": {"type": "object", "properties": {
               "description": {"type": "string"}, "language": {"type": "string", "default": "Python"},
               "feedback": {"type": "string", "default": ""}, "iteration": {"type": "integer", "default": 1},
               "model": {"type": "string", "default": "o4-mini"}}, "required": ["description"]}}
            """).RootElement.Clone();
    }
}
