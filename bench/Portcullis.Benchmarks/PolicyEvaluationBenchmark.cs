using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Cli.Demo;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Benchmarks;

/// <summary>Deciding one tools/call: the brief's policy (baseline), a 200-tool policy with 5 conditions per tool, and regex conditions.</summary>
[MemoryDiagnoser]
public class PolicyEvaluationBenchmark
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly PolicyGrant s_grant = new("alice", [new("team", "platform")]);

    private CompiledPolicy _brief = null!;
    private CompiledPolicy _large = null!;
    private CompiledPolicy _regex = null!;
    private ToolCall _briefCall;
    private ToolCall _largeCall;
    private ToolCall _regexCall;
    private ToolCall _deniedCall;

    [GlobalSetup]
    public void Setup()
    {
        _brief = Compile(BenchmarkPolicies.Brief);
        _large = Compile(BenchmarkPolicies.LargePolicy(tools: 200));
        _regex = Compile(BenchmarkPolicies.RegexPolicy);
        var args = JsonDocument.Parse("""
            {"prompt": "Write a function that adds two numbers", "language": "python", "iteration": 2,
             "path": "/srv/app/src/main.py", "model": "o4-mini"}
            """).RootElement;
        _briefCall = new ToolCall("codex", "code_generate", args, s_grant, "session-1", s_time);
        _largeCall = _briefCall with { ToolName = "tool_137" };
        _regexCall = _briefCall with { ToolName = "write_file" };
        _deniedCall = _briefCall with { ToolName = "describe_codebase" };
        Verify(_brief.Evaluate(_briefCall), PolicyOutcome.Allow);
        Verify(_large.Evaluate(_largeCall), PolicyOutcome.Allow);
        Verify(_regex.Evaluate(_regexCall), PolicyOutcome.Allow);
        Verify(_brief.Evaluate(_deniedCall), PolicyOutcome.Deny);
    }

    [Benchmark(Baseline = true, Description = "brief policy, allowed call")]
    public PolicyOutcome Brief_Allowed() => _brief.Evaluate(_briefCall).Outcome;

    [Benchmark(Description = "brief policy, default-denied call")]
    public PolicyOutcome Brief_DefaultDenied() => _brief.Evaluate(_deniedCall).Outcome;

    [Benchmark(Description = "200 tools x 5 conditions, allowed call")]
    public PolicyOutcome Large_Allowed() => _large.Evaluate(_largeCall).Outcome;

    [Benchmark(Description = "3 regex conditions, allowed call")]
    public PolicyOutcome Regex_Allowed() => _regex.Evaluate(_regexCall).Outcome;

    [Benchmark(Description = "brief policy, allowed call + reservation keys")]
    public int Brief_AllowedWithKeys()
    {
        var limits = _brief.Evaluate(_briefCall).Limits;
        var length = 0;
        for (var i = 0; i < limits.Count; i++)
        {
            length += limits[i].Key.Length;
        }

        return length;
    }

    private static CompiledPolicy Compile(string text)
    {
        var result = PolicyParser.Parse(text, PolicyFormat.Json);
        return result.Policy ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    }

    private static void Verify(PolicyDecision decision, PolicyOutcome expected)
    {
        if (decision.Outcome != expected)
        {
            throw new InvalidOperationException($"Benchmark setup is wrong: expected {expected}, got {decision}.");
        }
    }
}

/// <summary>Compiling policies: the cost paid once per save, not per call.</summary>
[MemoryDiagnoser]
public class PolicyCompilationBenchmark
{
    private readonly string _large = BenchmarkPolicies.LargePolicy(tools: 200);

    [Benchmark(Baseline = true, Description = "parse + compile brief policy")]
    public bool Brief() => PolicyParser.Parse(BenchmarkPolicies.Brief, PolicyFormat.Json).Succeeded;

    [Benchmark(Description = "parse + compile 200 tools x 5 conditions")]
    public bool Large() => PolicyParser.Parse(_large, PolicyFormat.Json).Succeeded;
}

internal static class BenchmarkPolicies
{
    /// <summary>The product brief's example policy, as <c>serve --demo</c> runs it.</summary>
    public const string Brief = DemoConfig.BriefPolicy;

    public const string RegexPolicy = """
        {"version": "1", "default": "deny", "tools": {"write_file": {
          "require": [{"path": "args.path", "op": "regex", "value": "^/srv/app/[a-z0-9_/]+\\.(py|go|ts)$"}],
          "deny_if": [
            {"conditions": [{"path": "args.prompt", "op": "regex", "value": "(?i)ignore (all )?previous instructions"}]},
            {"conditions": [{"path": "args.prompt", "op": "regex", "value": "AKIA[0-9A-Z]{16}"}]}]}}}
        """;

    /// <summary>A policy with <paramref name="tools"/> tools, each with 5 conditions that an ordinary call passes, and a limit.</summary>
    public static string LargePolicy(int tools)
    {
        var builder = new StringBuilder("""{"version": "1", "default": "deny", "tools": {""");
        for (var i = 0; i < tools; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append($$"""
                "tool_{{i}}": {
                  "require": [
                    {"path": "args.language", "op": "in", "value": ["python", "go", "typescript"]},
                    {"path": "args.iteration", "op": "lte", "value": 5},
                    {"path": "grant.labels.team", "op": "eq", "value": "platform"},
                    {"path": "args.path", "op": "starts_with", "value": "/srv/app/"}],
                  "deny_if": [{"conditions": [{"path": "args.model", "op": "eq", "value": "gpt-3"}]}],
                  "limits": [{"counter": "tool_{{i}}_rate", "window": "minute", "max": 100}]
                }
                """);
        }

        return builder.Append("}}").ToString();
    }
}
