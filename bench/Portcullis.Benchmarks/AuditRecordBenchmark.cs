using BenchmarkDotNet.Attributes;
using Portcullis.Storage.Audit;

namespace Portcullis.Benchmarks;

/// <summary>What the request path pays per audit record: linking it into the chain (canonical JSON + SHA-256), and its JSONL line.</summary>
[MemoryDiagnoser]
public class AuditRecordBenchmark
{
    /// <summary>A typical allowed call's record before it is linked; the audit sink benchmark writes it too.</summary>
    internal static readonly AuditRecord CallDraft = new()
    {
        Time = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
        Kind = AuditKinds.Call,
        RequestId = "req_0193a7c2f1e07d5c9b3a2f1e0d9c8b7a",
        Grant = "ci-agent",
        Server = "codex",
        Session = "pcs_QmFzZTY0VXJsU2Vzc2lvbklkMDEyMzQ1Njc4OWFiY2RlZg",
        Method = "tools/call",
        Tool = "code_generate",
        PolicyVersion = 7,
        Decision = AuditDecisions.Allow,
        RuleId = "/tools/code_generate",
        Reason = "allowed by /tools/code_generate",
        UpstreamStatus = 200,
        UpstreamMicros = 1830,
        TotalMicros = 2011,
        Arguments = """["description","language","iteration"]""",
    };

    private readonly AuditChain _chain = new("gateway@bench/1");
    private AuditRecord _linked = null!;

    [GlobalSetup]
    public void Setup() => _linked = _chain.Append(CallDraft);

    [Benchmark(Baseline = true, Description = "link a call record into the chain")]
    public AuditRecord Append() => _chain.Append(CallDraft);

    [Benchmark(Description = "canonical JSON line of a linked record")]
    public string Serialize() => AuditCanonicalForm.Serialize(_linked);
}
