using Microsoft.Extensions.Time.Testing;
using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Tests.Audit;

public sealed class JsonlAuditSinkTests : IDisposable
{
    private static readonly byte[] Key = "checkpoint-key-for-tests-0123456789"u8.ToArray();

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<List<AuditRecord>> WriteAsync(int count, long maxBytes = 1 << 20)
    {
        var chain = new AuditChain("gateway@test/1");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        using var sink = new JsonlAuditSink(_directory, maxBytes, clock);
        var records = Enumerable.Range(0, count).Select(i => chain.Append(new AuditRecord
        {
            Time = clock.GetUtcNow().AddSeconds(i),
            Grant = "alice",
            Tool = "code_generate",
            Decision = AuditDecisions.Allow,
            Arguments = """{"z":1,"a":{"y":[1,2],"b":"é"}}""",
        })).ToList();
        foreach (var batch in records.Chunk(7))
        {
            await sink.WriteAsync(batch);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        return records;
    }

    [Fact]
    public async Task Records_AreWrittenCanonically_RotatedBySize_AndVerifyAcrossFiles()
    {
        var records = await WriteAsync(100, maxBytes: 4096);

        var files = JsonlAuditSink.FilesIn(_directory);
        var read = JsonlAuditSink.Read(_directory).ToList();

        Assert.True(files.Count > 3, $"Only {files.Count} file(s).");
        Assert.Equal(records, read.Select(r => r.Record));
        Assert.Contains("\"args\":{\"a\":{\"b\":\"é\",\"y\":[1,2]},\"z\":1}", File.ReadAllText(files[0]), StringComparison.Ordinal);
        var verification = AuditVerifier.Verify(read, Key);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(100, verification.Records);
    }

    [Theory]
    [InlineData("edit", "seq 5): altered")]
    [InlineData("delete", "seq 6): records 5 to 5 of the chain are missing (deleted)")]
    [InlineData("swap", "seq 6): out of order")]
    [InlineData("garbage", "not an audit record")]
    public async Task Tampering_IsReportedAtTheExactRecord(string tampering, string problem)
    {
        await WriteAsync(10);
        var path = Path.Combine(_directory, JsonlAuditSink.CurrentFileName);
        var lines = File.ReadAllLines(path).ToList();
        switch (tampering)
        {
            case "edit":
                lines[4] = lines[4].Replace("\"allow\"", "\"deny\"", StringComparison.Ordinal);
                break;
            case "delete":
                lines.RemoveAt(4);
                break;
            case "swap":
                (lines[4], lines[5]) = (lines[5], lines[4]);
                break;
            default:
                lines[4] = "{not json";
                break;
        }

        File.WriteAllLines(path, lines);

        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(path), Key);
        Assert.False(verification.Intact);
        Assert.Contains(problem, verification.Problem, StringComparison.Ordinal);
        Assert.Contains($"{path}:5", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AForgedCheckpoint_IsReported_WhenTheKeyIsGiven()
    {
        var chain = new AuditChain("c");
        var records = new List<AuditRecord> { chain.Append(new AuditRecord { Decision = "allow" }) };
        var checkpoint = chain.AppendCheckpoint(DateTimeOffset.UnixEpoch, "another key"u8);
        records.Add(checkpoint);

        var verification = AuditVerifier.Verify(records.Select(r => new StoredAuditRecord(r, null, "test")), Key);

        Assert.Contains("forged", verification.Problem, StringComparison.Ordinal);
    }
}
