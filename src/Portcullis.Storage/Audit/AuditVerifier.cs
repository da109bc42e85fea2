namespace Portcullis.Storage.Audit;

/// <summary>A record as read back from where it was kept, with any disagreement between its indexed columns and its content.</summary>
/// <param name="Record">The record.</param>
/// <param name="Mismatch">What the store's own columns say differently, or null.</param>
/// <param name="Location">Where it was read (a line number, a row), for reports.</param>
public sealed record StoredAuditRecord(AuditRecord Record, string? Mismatch, string Location);

/// <summary>The outcome of verifying an audit log.</summary>
/// <param name="Records">How many records were checked.</param>
/// <param name="Chains">How many chains they form.</param>
/// <param name="SignedCheckpoints">How many checkpoints carried a valid signature.</param>
/// <param name="Problem">The first problem found, or null when the log is intact.</param>
public sealed record AuditVerification(long Records, int Chains, long SignedCheckpoints, string? Problem)
{
    /// <summary>Whether no problem was found.</summary>
    public bool Intact => Problem is null;
}

/// <summary>
/// Checks an audit log: every chain starts at its first record (or at a checkpoint where
/// retention cut it), sequence numbers follow without gaps or reordering, each record links to
/// the previous hash and hashes to what it carries, and checkpoints carry a valid signature when
/// a key is given. Reports the first altered, deleted or reordered record. A plain chain cannot
/// show records cut from its end; signed checkpoints bound that to the records after the last one.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies records in the order they were kept.</summary>
    public static AuditVerification Verify(IEnumerable<StoredAuditRecord> records, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(records);
        var all = records.ToList();
        var present = all.Select(r => (r.Record.Chain, r.Record.Seq)).ToHashSet();
        var heads = new Dictionary<string, (long Seq, string Hash)>(StringComparer.Ordinal);
        long count = 0;
        long signed = 0;
        var keyBytes = key.ToArray();
        foreach (var stored in all)
        {
            count++;
            var record = stored.Record;
            var where = $"{stored.Location} (chain {record.Chain}, seq {record.Seq})";
            if (stored.Mismatch is not null)
            {
                return Fail(count, heads.Count, signed, $"{where}: altered: {stored.Mismatch}");
            }

            if (AuditCanonicalForm.ComputeHash(record) != record.Hash)
            {
                return Fail(count, heads.Count, signed, $"{where}: altered: its content does not match its hash");
            }

            if (record.Kind == AuditKinds.Checkpoint && record.Mac is not null && keyBytes.Length > 0)
            {
                if (AuditCanonicalForm.ComputeMac(record, keyBytes) != record.Mac)
                {
                    return Fail(count, heads.Count, signed, $"{where}: forged: the checkpoint's signature is not valid for the key");
                }

                signed++;
            }

            if (!heads.TryGetValue(record.Chain, out var head))
            {
                var startsChain = record.Seq == 1 && record.PrevHash == AuditCanonicalForm.GenesisHash;
                var startsAfterRetention = record.Kind == AuditKinds.Checkpoint;
                if (!startsChain && !startsAfterRetention)
                {
                    return Fail(count, heads.Count, signed,
                        $"{where}: the chain starts here, not at seq 1 or a checkpoint: records 1 to {record.Seq - 1} were deleted");
                }
            }
            else if (record.Seq != head.Seq + 1)
            {
                var expected = head.Seq + 1;
                return Fail(count, heads.Count, signed,
                    record.Seq < expected ? $"{where}: out of order: it follows seq {head.Seq}"
                    : present.Contains((record.Chain, expected)) ? $"{where}: out of order: seq {expected} of the chain comes after it"
                    : $"{where}: records {expected} to {record.Seq - 1} of the chain are missing (deleted)");
            }
            else if (record.PrevHash != head.Hash)
            {
                return Fail(count, heads.Count, signed, $"{where}: altered: it does not link to the hash of seq {head.Seq}");
            }

            heads[record.Chain] = (record.Seq, record.Hash);
        }

        return new AuditVerification(count, heads.Count, signed, null);
    }

    private static AuditVerification Fail(long count, int chains, long signed, string problem) => new(count, chains, signed, problem);
}
