using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Validation;

namespace Portcullis.Benchmarks;

/// <summary>
/// <c>validate_args</c> on a typical call: the server's input schema for <c>code_generate</c> (as the
/// C# SDK advertises it), the whole decision with an operator schema on top, and a failing call.
/// </summary>
[MemoryDiagnoser]
public class ArgumentValidationBenchmark
{
    private const string ServerSchema = """
        {"type": "object",
         "properties": {
           "description": {"type": "string", "description": "What the code must do."},
           "language": {"type": "string", "description": "Programming language.", "default": "Python"},
           "feedback": {"type": "string", "description": "Feedback on a previous iteration.", "default": ""},
           "iteration": {"type": "integer", "description": "Iteration number, starting at 1.", "default": 1},
           "model": {"type": "string", "description": "Model to use.", "default": "o4-mini"}},
         "required": ["description"]}
        """;

    private const string Policy = """
        {"version": "1", "default": "deny",
         "tools": {"code_generate": {
           "validate_args": {"properties": {"language": {"enum": ["python", "go", "typescript"]}}},
           "rate_limit": {"max": 10, "window": "minute"}}}}
        """;

    private static readonly DateTimeOffset s_time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private ArgumentSchema _schema = null!;
    private CompiledPolicy _policy = null!;
    private ToolCall _call;
    private ToolCall _invalidCall;

    [GlobalSetup]
    public void Setup()
    {
        _schema = ArgumentSchema.Parse(ServerSchema);
        _policy = PolicyParser.Parse(Policy, PolicyFormat.Json).Policy ?? throw new InvalidOperationException("The benchmark policy does not parse.");
        var arguments = JsonDocument.Parse("""{"description": "Add two numbers", "language": "python", "iteration": 2}""").RootElement;
        var invalid = JsonDocument.Parse("""{"language": "cobol", "iteration": "two"}""").RootElement;
        _call = new ToolCall("codex", "code_generate", arguments, new PolicyGrant("alice", []), "session-1", s_time) { InputSchema = ServerToolSchema.Of(_schema) };
        _invalidCall = _call with { Arguments = invalid };
        if (_policy.Evaluate(_call).Outcome != PolicyOutcome.Allow || _policy.Evaluate(_invalidCall).Outcome != PolicyOutcome.Deny)
        {
            throw new InvalidOperationException("Benchmark setup is wrong: the valid call must be allowed and the invalid one denied.");
        }
    }

    [Benchmark(Baseline = true, Description = "server schema, typical valid call")]
    public bool ServerSchema_Valid() => _schema.IsValid(_call.Arguments);

    [Benchmark(Description = "whole decision: server + operator schema, limit")]
    public PolicyOutcome Decision_Valid() => _policy.Evaluate(_call).Outcome;

    [Benchmark(Description = "whole decision, invalid call (every problem listed)")]
    public PolicyOutcome Decision_Invalid() => _policy.Evaluate(_invalidCall).Outcome;
}
