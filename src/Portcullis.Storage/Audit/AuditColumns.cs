namespace Portcullis.Storage.Audit;

/// <summary>Compares a database row's indexed columns with the record it holds, so an edit to either is reported.</summary>
public static class AuditColumns
{
    /// <summary>The record in <paramref name="json"/>, with the first column that disagrees with it.</summary>
    public static StoredAuditRecord Check(string json, string location, string chain, long seq, DateTimeOffset time, string kind, string? grant,
        string? server, string? tool, string? decision, string hash)
    {
        AuditRecord record;
        try
        {
            record = AuditCanonicalForm.Parse(json);
        }
        catch (FormatException e)
        {
            return new StoredAuditRecord(new AuditRecord { Chain = chain, Seq = seq, Hash = hash }, "the stored record is not valid: " + e.Message, location)
            {
                Unreadable = true,
            };
        }

        var mismatch =
            record.Chain != chain ? "chain" :
            record.Seq != seq ? "seq" :
            record.Time != time ? "time" :
            record.Kind != kind ? "kind" :
            record.Grant != grant ? "grant" :
            record.Server != server ? "server" :
            record.Tool != tool ? "tool" :
            record.Decision != decision ? "decision" :
            record.Hash != hash ? "hash" : null;
        return new StoredAuditRecord(record, mismatch is null ? null : $"the row's {mismatch} column differs from the record it holds", location);
    }
}
