using Portcullis.Gateway.Audit;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Audit;

/// <summary>The export formats shared by <c>portcullis audit export</c> and the admin UI's downloads.</summary>
public sealed class AuditExportTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("-1+2", "'-1+2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1+2", "'\t=1+2")]
    [InlineData("\r=1+2", "\"'\r=1+2\"")]
    [InlineData("-12.5", "-12.5")]
    [InlineData("+3", "+3")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Cell_QuotesAndNeutralisesFormulas(string? value, string expected) => Assert.Equal(expected, AuditCsv.Cell(value));

    [Fact]
    public void Line_HasOneCellPerHeaderColumn_InTheHeadersOrder()
    {
        var record = new AuditChain("gateway@test").Append(new AuditRecord { Time = s_start, Tool = "=evil()", Decision = AuditDecisions.Deny, Reason = "No, really." });

        var line = AuditCsv.Line(record);

        Assert.StartsWith("time,chain,seq,kind,decision,grant,server,session,method,tool,", AuditCsv.Header, StringComparison.Ordinal);
        Assert.StartsWith("2026-11-25T12:00:00.000Z,gateway@test,1,call,deny,,,,,'=evil(),,\"No, really.\",", line, StringComparison.Ordinal);
        Assert.EndsWith("," + record.PrevHash + "," + record.Hash, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jsonl_WritesOnlyTheMatchingRecords_InChainOrder_AsVerifiableLines()
    {
        var store = await StoreWithAsync(("b", "x", 3), ("c", "y", 2), ("a", "x", 1));

        using var writer = new StringWriter();
        var count = await AuditExport.WriteJsonlAsync(store, new AuditQuery { Tool = "x" }, writer, Cancel);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, count);
        Assert.Equal([("a", "x"), ("b", "x")], lines.Select(AuditCanonicalForm.Parse).Select(r => (r.Chain, r.Tool!)));
    }

    [Fact]
    public async Task CsvRows_AreSortedByTime_AndNullPastTheLimit()
    {
        var store = await StoreWithAsync(("a", "x", 3), ("b", "x", 1), ("c", "x", 2), ("d", "y", 0));

        var rows = await AuditExport.ReadCsvRowsAsync(store, new AuditQuery { Tool = "x" }, limit: 3, Cancel);
        var tooMany = await AuditExport.ReadCsvRowsAsync(store, new AuditQuery { Tool = "x" }, limit: 2, Cancel);
        using var writer = new StringWriter();
        await AuditExport.WriteCsvAsync(rows!, writer);

        Assert.Equal(["b", "c", "a"], rows!.Select(r => r.Chain));
        Assert.Null(tooMany);
        Assert.Equal([AuditCsv.Header, .. rows!.Select(AuditCsv.Line)], writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>One record per chain, <c>minutes</c> after the start.</summary>
    private static async Task<InMemoryAuditStore> StoreWithAsync(params (string Chain, string Tool, int Minutes)[] records)
    {
        var store = new InMemoryAuditStore();
        await store.WriteAsync([.. records.Select(r => new AuditChain(r.Chain).Append(new AuditRecord { Time = s_start.AddMinutes(r.Minutes), Tool = r.Tool }))], Cancel);
        return store;
    }
}
