using Portcullis.Storage.Audit;

namespace Portcullis.Storage.Tests.Audit;

/// <summary>What someone who can rewrite the log but does not hold the checkpoint key can do to it.</summary>
internal static class AuditRewrite
{
    /// <summary>
    /// The records changed by <paramref name="change"/> and linked again with hashes recomputed from
    /// the real canonical form; signatures, which need the key, are dropped unless kept as they were.
    /// </summary>
    public static List<AuditRecord> Rechain(IEnumerable<AuditRecord> records, Func<AuditRecord, AuditRecord> change, bool keepSignatures = false)
    {
        var head = AuditCanonicalForm.GenesisHash;
        var rewritten = new List<AuditRecord>();
        foreach (var record in records)
        {
            var changed = change(record) with { PrevHash = head, Hash = "" };
            changed = keepSignatures ? changed : changed with { Mac = null };
            changed = changed with { Hash = AuditCanonicalForm.ComputeHash(changed) };
            head = changed.Hash;
            rewritten.Add(changed);
        }

        return rewritten;
    }
}
