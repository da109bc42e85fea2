using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Benchmarks;

/// <summary>
/// What the audit pump pays off the request path per batch: writing 8 new call records (a typical
/// batch under 16 clients) to each store. Each operation links 8 fresh records, so every insert
/// is a new row; linking costs the same for both rows.
/// </summary>
[MemoryDiagnoser]
public class AuditSinkBenchmark
{
    private const int BatchSize = 8;

    private static readonly AuditRecord s_draft = new()
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

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-bench-").FullName;
    private readonly AuditChain _chain = new("gateway@bench/1");
    private readonly AuditRecord[] _batch = new AuditRecord[BatchSize];
    private InMemoryAuditStore _memory = null!;
    private SqliteAuditStore _sqlite = null!;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new InMemoryAuditStore();
        _sqlite = new SqliteAuditStore(Path.Combine(_directory, "state.db"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sqlite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "memory, 8 records")]
    public ValueTask Memory() => _memory.WriteAsync(NextBatch());

    [Benchmark(Description = "SQLite (WAL, one file), 8 records in one transaction")]
    public ValueTask Sqlite() => _sqlite.WriteAsync(NextBatch());

    private AuditRecord[] NextBatch()
    {
        for (var i = 0; i < BatchSize; i++)
        {
            _batch[i] = _chain.Append(s_draft);
        }

        return _batch;
    }
}
