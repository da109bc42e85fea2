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
            _batch[i] = _chain.Append(AuditRecordBenchmark.CallDraft);
        }

        return _batch;
    }
}
