using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Protocol;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Benchmarks;

/// <summary>The gateway's own protocol work per message: strict JSON-RPC parsing of a tools/call, and filtering a 500-tool tools/list answer.</summary>
[MemoryDiagnoser]
public class ProtocolBenchmark
{
    private byte[] _toolsCall = null!;
    private byte[] _toolsListAnswer = null!;
    private byte[] _toolsCallAnswer = null!;
    private ToolsListRewriter _rewriter = null!;
    private JsonElement _requestId;

    [GlobalSetup]
    public void Setup()
    {
        _toolsCall = Encoding.UTF8.GetBytes("""
            {"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"Write a function that adds two numbers","language":"python","iteration":2},"_meta":{"progressToken":"p-42"}}}
            """);
        var tools = string.Join(",", Enumerable.Range(0, 500).Select(i =>
            $$$"""{"name":"tool_{{{i}}}","description":"Tool number {{{i}}} does something useful.","inputSchema":{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer"}},"required":["path"]}}"""));
        _toolsListAnswer = Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":7,"result":{"tools":[{{{tools}}}]}}""");
        _toolsCallAnswer = Encoding.UTF8.GetBytes("""
            {"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"def add(a, b):\n    return a + b\n"}],"isError":false}}
            """);
        // Half the tools allowed, a quarter hidden, the rest default-denied (removed).
        var rules = string.Join(",", Enumerable.Range(0, 250).Select(i => $$"""
            "tool_{{i}}": {}
            """));
        var policy = PolicyParser.Parse($$$"""{"version": "1", "default": "deny", "hide": ["tool_2??"], "tools": {{{{rules}}}}}""", PolicyFormat.Json).Policy
            ?? throw new InvalidOperationException("The benchmark policy does not parse.");
        using var id = JsonDocument.Parse("7");
        _requestId = id.RootElement.Clone();
        _rewriter = new ToolsListRewriter(policy);
        var filtered = FilterToolsList();
        if (Encoding.UTF8.GetString(filtered.Span).Split("\"name\"").Length - 1 != 200)
        {
            throw new InvalidOperationException("The filter did not keep exactly the 200 allowed, unhidden tools.");
        }
    }

    [Benchmark(Baseline = true, Description = "parse a tools/call (strict JSON-RPC)")]
    public int ParseToolsCall()
    {
        using var message = JsonRpcMessage.TryParse(_toolsCall, GatewayConfig.DefaultArgumentDepth, out _);
        return message!.Method!.Length;
    }

    /// <summary>What the gateway does with every tool call's answer before the client sees it: check it is the JSON-RPC answer to the request.</summary>
    [Benchmark(Description = "check a tools/call answer")]
    public int CheckToolsCallAnswer()
    {
        var filter = new AnswerFilter(_requestId, null, McpMethods.Protocol, 128);
        return filter.Inspect(_toolsCallAnswer) == AnswerVerdict.Relay ? filter.Output.Length : 0;
    }

    /// <summary>What the gateway does with the answer: check it is the JSON-RPC answer to the request, then filter it.</summary>
    [Benchmark(Description = "check and filter a 500-tool tools/list answer")]
    public ReadOnlyMemory<byte> FilterToolsList()
    {
        var filter = new AnswerFilter(_requestId, _rewriter, McpMethods.Protocol, 128);
        return filter.Inspect(_toolsListAnswer) == AnswerVerdict.Relay ? filter.Output : default;
    }
}
