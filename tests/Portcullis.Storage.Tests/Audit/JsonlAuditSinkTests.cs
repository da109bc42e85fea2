using Microsoft.Extensions.Time.Testing;
using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Tests.Audit;

public sealed class JsonlAuditSinkTests : IDisposable
{
    private static readonly byte[] Key = "checkpoint-key-for-tests-0123456789"u8.ToArray();

    /// <summary>Four lines as the first release of the audit log wrote them, before retention checkpoints existed.</summary>
    private const string EarlierLog = """
        {"action":"gateway.started","actor":"gateway","chain":"gateway@old/1","hash":"37faa17e50703d8a01b85361845bb518b899fcacc69d9edeb59e1610e1c6685b","kind":"admin","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"target":"gateway","time":"2025-03-01T08:00:00.000Z"}
        {"args":["language"],"chain":"gateway@old/1","decision":"deny","grant":"ci-agent","hash":"dda7553f8927bd3ee66a4b9aa77dae4669b5841697b68b59e9fd512000d07671","kind":"call","method":"tools/call","policy_version":2,"prev_hash":"37faa17e50703d8a01b85361845bb518b899fcacc69d9edeb59e1610e1c6685b","reason":"No.","request_id":"req_1","rule_id":"/tools/code_generate","seq":2,"server":"codex","session":"s1","time":"2025-03-01T08:00:01.000Z","tool":"code_generate","total_us":90}
        {"args":{"code":"print(1)"},"chain":"gateway@old/1","decision":"allow","grant":"ci-agent","hash":"140d917569a464081861a880a65ff94e8389047161c700d0a688637d6699954b","kind":"call","method":"tools/call","policy_version":2,"prev_hash":"dda7553f8927bd3ee66a4b9aa77dae4669b5841697b68b59e9fd512000d07671","request_id":"req_2","rule_id":"/default","seq":3,"server":"codex","session":"s1","time":"2025-03-01T08:00:02.000Z","tool":"review_code","total_us":1500,"upstream_status":200,"upstream_us":1200}
        {"chain":"gateway@old/1","hash":"998d825653a785b5e205d034b09523fad8aebedffe46489c3b96bd1dee755527","kind":"checkpoint","mac":"1aa4e3600688e6086dcb43802ac6e9816db152d0be273875c2c0236ff9debced","prev_hash":"140d917569a464081861a880a65ff94e8389047161c700d0a688637d6699954b","seq":4,"time":"2025-03-01T08:00:03.000Z"}
        """;

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
    [InlineData("edit", AuditFailure.HashMismatch, "seq 5): altered")]
    [InlineData("delete", AuditFailure.SeqGap, "seq 6): records 5 to 5 of the chain are missing (deleted)")]
    [InlineData("swap", AuditFailure.Reordered, "seq 6): out of order")]
    [InlineData("garbage", AuditFailure.Malformed, "not an audit record")]
    public async Task Tampering_IsReportedAtTheExactRecord(string tampering, AuditFailure failure, string problem)
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
        Assert.Equal(failure, verification.Failure);
        Assert.StartsWith(AuditVerifier.Code(failure) + " ", verification.Problem, StringComparison.Ordinal);
        Assert.Contains(problem, verification.Problem, StringComparison.Ordinal);
        Assert.Contains($"{path}:5", verification.Problem, StringComparison.Ordinal);
        Assert.Null(verification.TornTail);
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

    [Fact]
    public void AnUnsignedCheckpoint_IsReported_WhenTheKeyIsGiven()
    {
        var chain = new AuditChain("c");
        var records = new List<AuditRecord> { chain.Append(new AuditRecord { Decision = "allow" }), chain.AppendCheckpoint(DateTimeOffset.UnixEpoch, []) };

        var stored = records.Select(r => new StoredAuditRecord(r, null, "test")).ToList();
        var withKey = AuditVerifier.Verify(stored, Key);
        var withoutKey = AuditVerifier.Verify(stored, []);

        Assert.Equal(AuditFailure.BadSignature, withKey.Failure);
        Assert.Equal("BAD_SIGNATURE test (chain c, seq 2): unsigned: the checkpoint carries no signature, but a key was given", withKey.Problem);
        Assert.True(withoutKey.Intact, withoutKey.Problem);
        Assert.False(withoutKey.SignaturesChecked);
    }

    [Fact]
    public async Task FlippingADenial_StrippingEverySignature_AndRecomputingTheHashes_FailsWithTheKey()
    {
        var path = await WriteSignedAsync(12);
        var records = JsonlAuditSink.Read(path).Select(r => r.Record).ToList();

        var rewritten = AuditRewrite.Rechain(records, r => r.Decision == AuditDecisions.Deny ? r with { Decision = AuditDecisions.Allow } : r);
        File.WriteAllLines(path, rewritten.Select(r => AuditCanonicalForm.Serialize(r)));

        var withKey = AuditVerifier.Verify(JsonlAuditSink.Read(path), Key);
        var withoutKey = AuditVerifier.Verify(JsonlAuditSink.Read(path), []);
        Assert.DoesNotContain(rewritten, r => r.Decision == AuditDecisions.Deny);
        Assert.Equal(AuditFailure.BadSignature, withKey.Failure);
        Assert.Equal($"BAD_SIGNATURE {path}:5 (chain gateway@test/1, seq 5): unsigned: the checkpoint carries no signature, but a key was given", withKey.Problem);
        Assert.True(withoutKey.Intact, "Without the key a full rewrite cannot be told apart; the report says signatures were not checked.");
    }

    [Fact]
    public async Task DeletingTheFirstLinesUpToACheckpoint_IsReported()
    {
        var path = await WriteSignedAsync(12);
        File.WriteAllLines(path, File.ReadAllLines(path).Skip(4));

        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(path), Key);

        Assert.Equal(AuditFailure.HeadCut, verification.Failure);
        Assert.Equal($"HEAD_CUT {path}:1 (chain gateway@test/1, seq 5): the chain starts at this checkpoint, but no retention checkpoint signed with the key " +
            "accounts for a cut: records 1 to 4 were deleted", verification.Problem);
    }

    [Theory]
    [InlineData("half")]
    [InlineData("half-newline")]
    [InlineData("zeros")]
    public async Task ATornLastLine_IsReportedApart_AndEverythingBeforeItVerifies(string tear)
    {
        var path = await WriteSignedAsync(12);
        var lines = File.ReadAllLines(path);
        var line = AuditCanonicalForm.Serialize(new AuditChain("gateway@test/1").Append(new AuditRecord { Decision = AuditDecisions.Allow }));
        File.AppendAllText(path, tear switch
        {
            "half" => line[..(line.Length / 2)],
            "half-newline" => line[..(line.Length / 2)] + "\n",
            _ => new string('\0', 300),
        });

        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(path), Key);

        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal($"{path}:{lines.Length + 1}", verification.TornTail);
        Assert.Equal(lines.Length, verification.Records);
        Assert.Equal(3, verification.SignedCheckpoints);
    }

    [Fact]
    public async Task ATornLastLine_AfterTampering_IsTampering()
    {
        var path = await WriteSignedAsync(12);
        var lines = File.ReadAllLines(path);
        lines[1] = lines[1].Replace("\"deny\"", "\"allow\"", StringComparison.Ordinal);
        File.WriteAllText(path, string.Join('\n', lines) + "\n{\"action\":");

        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(path), Key);

        Assert.Equal(AuditFailure.HashMismatch, verification.Failure);
        Assert.Equal($"{path}:{lines.Length + 1}", verification.TornTail);
    }

    [Fact]
    public async Task AnUnreadableLine_EndedByItsNewLine_AtTheEndOfAnOlderFile_IsMalformed()
    {
        await WriteAsync(100, maxBytes: 4096);
        var oldest = JsonlAuditSink.FilesIn(_directory)[0];
        var text = File.ReadAllText(oldest);
        File.WriteAllText(oldest, text[..^40] + "\n");

        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(_directory), Key);

        Assert.Equal(AuditFailure.Malformed, verification.Failure);
        Assert.Contains($"{oldest}:{File.ReadAllLines(oldest).Length}: altered: the line is not an audit record", verification.Problem, StringComparison.Ordinal);
        Assert.Null(verification.TornTail);
    }

    [Fact]
    public async Task AfterACrashMidLine_TheNextWriteStartsANewFile_SoTheTornLineStaysATornTail()
    {
        await WriteAsync(5);
        var current = Path.Combine(_directory, JsonlAuditSink.CurrentFileName);
        var text = File.ReadAllText(current);
        File.WriteAllText(current, text[..^30]);
        using var sink = new JsonlAuditSink(_directory, 1 << 20, TimeProvider.System);
        var chain = new AuditChain(AuditChain.NewId("after-restart"));

        await sink.WriteAsync([chain.Append(new AuditRecord { Kind = AuditKinds.Call, Decision = AuditDecisions.Allow })], TestContext.Current.CancellationToken);

        Assert.Equal(2, JsonlAuditSink.FilesIn(_directory).Count);
        var verification = AuditVerifier.Verify(JsonlAuditSink.Read(_directory), []);
        Assert.True(verification.Intact, verification.Problem);
        Assert.NotNull(verification.TornTail);
    }

    [Fact]
    public void ALogWrittenBeforeRetentionCheckpoints_StillVerifies_AndReserializesByteForByte()
    {
        var path = Path.Combine(_directory, JsonlAuditSink.CurrentFileName);
        File.WriteAllText(path, EarlierLog + "\n");

        var read = JsonlAuditSink.Read(path).ToList();
        var verification = AuditVerifier.Verify(read, Key);

        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal((4, 1), (verification.Records, verification.SignedCheckpoints));
        Assert.Equal(EarlierLog.Split('\n'), read.Select(r => AuditCanonicalForm.Serialize(r.Record)));
    }

    [Fact]
    public void ARecordWithoutARetentionCutoff_SerializesAsBefore_AndOneWithItRoundTrips()
    {
        var chain = new AuditChain("retention@test/1");
        var cutoff = new DateTimeOffset(2026, 8, 27, 12, 0, 0, 123, TimeSpan.Zero);
        var checkpoint = chain.AppendRetentionCheckpoint(cutoff.AddDays(90), cutoff.AddTicks(4567), Key);
        var plain = checkpoint with { RetentionCutoff = null };

        Assert.DoesNotContain("retention_cutoff", AuditCanonicalForm.Serialize(plain), StringComparison.Ordinal);
        Assert.Contains("\"retention_cutoff\":\"2026-08-27T12:00:00.123Z\",\"seq\":1,", AuditCanonicalForm.Serialize(checkpoint), StringComparison.Ordinal);
        Assert.Equal(checkpoint, AuditCanonicalForm.Parse(AuditCanonicalForm.Serialize(checkpoint)));
        Assert.NotEqual(checkpoint.Hash, AuditCanonicalForm.ComputeHash(plain));
    }

    /// <summary>Calls (the second a denial) with a checkpoint signed with <see cref="Key"/> after every fourth, in the current file; returns its path.</summary>
    private async Task<string> WriteSignedAsync(int calls)
    {
        var chain = new AuditChain("gateway@test/1");
        var time = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var records = new List<AuditRecord>();
        for (var i = 0; i < calls; i++)
        {
            records.Add(chain.Append(new AuditRecord { Time = time.AddSeconds(i), Tool = "t", Decision = i == 1 ? AuditDecisions.Deny : AuditDecisions.Allow }));
            if (i % 4 == 3)
            {
                records.Add(chain.AppendCheckpoint(time.AddSeconds(i), Key));
            }
        }

        using var sink = new JsonlAuditSink(_directory, 1 << 20, TimeProvider.System);
        await sink.WriteAsync(records);
        return Path.Combine(_directory, JsonlAuditSink.CurrentFileName);
    }
}
