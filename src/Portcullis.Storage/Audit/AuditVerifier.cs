using System.Security.Cryptography;
using System.Text;

namespace Portcullis.Storage.Audit;

/// <summary>
/// Checks an audit log: every record hashes to what it carries; every chain starts at seq 1 (linked
/// to the genesis hash) or at a checkpoint that a retention checkpoint covers; sequence numbers
/// follow without gaps or reordering and each record links to the previous hash; and, with a key,
/// every checkpoint carries a valid signature. Reports the first problem with a stable word
/// (<see cref="AuditFailure"/>) and the record, and skips a torn last line of a JSONL file.
/// </summary>
/// <remarks>
/// What the key proves: a signed checkpoint vouches, through its <c>prev_hash</c>, for every record
/// of its chain before it, and a signed retention checkpoint is the only thing that lets a chain
/// start after seq 1. Without the key, whoever can rewrite the log can recompute every hash, so the
/// chain shows accidents and careless edits, not a determined rewrite. Nothing here shows a whole
/// chain deleted, or records cut from a chain's end after its last checkpoint.
/// </remarks>
public static class AuditVerifier
{
    /// <summary>Verifies records in the order they were kept; <paramref name="key"/> is empty when none is given.</summary>
    public static AuditVerification Verify(IEnumerable<StoredAuditRecord> records, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(records);
        var all = records.ToList();
        var keyBytes = key.ToArray();
        var signaturesChecked = keyBytes.Length > 0;
        // A torn line ends a file (a crash mid-append); the sink starts a new file after one, so an older file may end torn too.
        var tornLines = all.Where(r => r.TornTail).Select(r => r.Location).ToList();
        var torn = tornLines.Count == 0 ? null : string.Join(", ", tornLines);
        all.RemoveAll(r => r.TornTail);

        // Retention checkpoints may come after the chains they cut (in another chain, or later in a file), so they are found first.
        var retentionCutoff = NewestRetentionCutoff(all, keyBytes);
        var present = all.Select(r => (r.Record.Chain, r.Record.Seq)).ToHashSet();
        var chains = new Dictionary<string, ChainState>(StringComparer.Ordinal);
        var order = new List<ChainState>();
        long count = 0;
        long signed = 0;

        AuditVerification Result(AuditFailure? failure = null, string? problem = null) => new()
        {
            Records = count,
            SignedCheckpoints = signed,
            SignaturesChecked = signaturesChecked,
            RetentionCutoff = retentionCutoff,
            ChainSummaries = [.. order.Select(c => c.Summary())],
            Failure = failure,
            Problem = problem is null ? null : $"{Code(failure!.Value)} {problem}",
            TornTail = torn,
        };

        foreach (var stored in all)
        {
            count++;
            var record = stored.Record;
            var where = $"{stored.Location} (chain {record.Chain}, seq {record.Seq})";
            if (stored.Unreadable)
            {
                return Result(AuditFailure.Malformed, $"{stored.Location}: altered: {stored.Mismatch}");
            }

            if (record.Seq < 1)
            {
                return Result(AuditFailure.Malformed, $"{where}: altered: a record's seq starts at 1");
            }

            if (AuditCanonicalForm.ComputeHash(record) != record.Hash)
            {
                return Result(AuditFailure.HashMismatch, $"{where}: altered: its content does not match its hash");
            }

            if (stored.Mismatch is not null)
            {
                return Result(AuditFailure.ColumnMismatch, $"{where}: altered: {stored.Mismatch}");
            }

            var isCheckpoint = record.Kind == AuditKinds.Checkpoint;
            if (isCheckpoint && signaturesChecked)
            {
                // A missing signature fails like a wrong one: otherwise stripping every signature and recomputing the hashes would pass.
                if (record.Mac is null)
                {
                    return Result(AuditFailure.BadSignature, $"{where}: unsigned: the checkpoint carries no signature, but a key was given");
                }

                if (!SignatureMatches(record, keyBytes))
                {
                    return Result(AuditFailure.BadSignature, $"{where}: forged: the checkpoint's signature is not valid for the key");
                }

                signed++;
            }

            if (!chains.TryGetValue(record.Chain, out var chain))
            {
                var cut = false;
                if (record.Seq == 1)
                {
                    if (record.PrevHash != AuditCanonicalForm.GenesisHash)
                    {
                        return Result(AuditFailure.PrevMismatch, $"{where}: altered: the chain's first record does not link to the genesis hash");
                    }
                }
                else if (isCheckpoint && record.Time < retentionCutoff)
                {
                    cut = true;
                }
                else
                {
                    return Result(AuditFailure.HeadCut, $"{where}: {HeadCutReason(record, isCheckpoint, retentionCutoff, signaturesChecked)}: records 1 to {record.Seq - 1} were deleted");
                }

                chain = new ChainState(record.Chain, record.Seq, cut);
                chains.Add(record.Chain, chain);
                order.Add(chain);
            }
            else if (record.Seq != chain.LastSeq + 1)
            {
                var expected = chain.LastSeq + 1;
                return record.Seq == chain.LastSeq ? Result(AuditFailure.Reordered, $"{where}: out of order: seq {record.Seq} of the chain appears twice")
                    : record.Seq < expected ? Result(AuditFailure.Reordered, $"{where}: out of order: it follows seq {chain.LastSeq}")
                    : present.Contains((record.Chain, expected)) ? Result(AuditFailure.Reordered, $"{where}: out of order: seq {expected} of the chain comes after it")
                    : Result(AuditFailure.SeqGap, $"{where}: records {expected} to {record.Seq - 1} of the chain are missing (deleted)");
            }
            else if (record.PrevHash != chain.LastHash)
            {
                return Result(AuditFailure.PrevMismatch, $"{where}: altered: it does not link to the hash of seq {chain.LastSeq}");
            }

            chain.Add(record, isCheckpoint, signaturesChecked);
        }

        return Result();
    }

    /// <summary>The stable word a report gives for <paramref name="failure"/>.</summary>
    public static string Code(AuditFailure failure) => failure switch
    {
        AuditFailure.HashMismatch => "HASH_MISMATCH",
        AuditFailure.PrevMismatch => "PREV_MISMATCH",
        AuditFailure.SeqGap => "SEQ_GAP",
        AuditFailure.Reordered => "REORDERED",
        AuditFailure.HeadCut => "HEAD_CUT",
        AuditFailure.BadSignature => "BAD_SIGNATURE",
        AuditFailure.Malformed => "MALFORMED",
        AuditFailure.ColumnMismatch => "COLUMN_MISMATCH",
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    /// <summary>
    /// The newest cutoff stated by a retention checkpoint that is intact and, with a key, signed by
    /// it. Retention deletes, per chain, only before the newest checkpoint older than its cutoff, so
    /// a chain may start at any checkpoint older than the newest cutoff: no more is gone than that
    /// retention run would have deleted.
    /// </summary>
    private static DateTimeOffset? NewestRetentionCutoff(List<StoredAuditRecord> all, byte[] key)
    {
        DateTimeOffset? newest = null;
        foreach (var stored in all)
        {
            var record = stored.Record;
            if (record is { Kind: AuditKinds.Checkpoint, RetentionCutoff: { } cutoff } && !(cutoff <= newest)
                && !stored.Unreadable && stored.Mismatch is null && AuditCanonicalForm.ComputeHash(record) == record.Hash
                && (key.Length == 0 || (record.Mac is not null && SignatureMatches(record, key))))
            {
                newest = cutoff;
            }
        }

        return newest;
    }

    private static string HeadCutReason(AuditRecord record, bool isCheckpoint, DateTimeOffset? retentionCutoff, bool signaturesChecked)
    {
        if (!isCheckpoint)
        {
            return "the chain starts here, not at seq 1 or a checkpoint";
        }

        var retention = signaturesChecked ? "retention checkpoint signed with the key" : "retention checkpoint";
        return retentionCutoff is { } cutoff
            ? $"the chain starts at this checkpoint of {AuditCanonicalForm.FormatTime(record.Time)}, but the newest {retention} cut only before {AuditCanonicalForm.FormatTime(cutoff)}"
            : $"the chain starts at this checkpoint, but no {retention} accounts for a cut";
    }

    private static bool SignatureMatches(AuditRecord record, byte[] key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(record.Mac ?? ""), Encoding.UTF8.GetBytes(AuditCanonicalForm.ComputeMac(record, key)));

    private sealed class ChainState(string id, long firstSeq, bool cut)
    {
        private long _checkpoints;
        private long? _lastSignedSeq;

        public long LastSeq { get; private set; }

        public string LastHash { get; private set; } = "";

        public void Add(AuditRecord record, bool isCheckpoint, bool signed)
        {
            LastSeq = record.Seq;
            LastHash = record.Hash;
            if (isCheckpoint)
            {
                _checkpoints++;
                _lastSignedSeq = signed ? record.Seq : _lastSignedSeq;
            }
        }

        public AuditChainSummary Summary() => new(id, firstSeq, LastSeq, _checkpoints, _lastSignedSeq, cut);
    }
}
