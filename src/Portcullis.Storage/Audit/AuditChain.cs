using System.Security.Cryptography;

namespace Portcullis.Storage.Audit;

/// <summary>
/// Numbers and links the records of one writer: each gets the next sequence number, the previous
/// record's hash and its own. Not thread-safe: one caller appends at a time.
/// </summary>
public sealed class AuditChain
{
    private long _seq;
    private string _head = AuditCanonicalForm.GenesisHash;

    /// <summary>Starts a new chain named <paramref name="id"/>.</summary>
    public AuditChain(string id) => Id = id;

    /// <summary>The chain's id.</summary>
    public string Id { get; }

    /// <summary>How many records the chain has.</summary>
    public long Count => _seq;

    /// <summary>A chain id for a writer on this machine: its role, the host name and 48 random bits.</summary>
    public static string NewId(string role) =>
        $"{role}@{Environment.MachineName}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Links <paramref name="draft"/> into the chain and returns it with chain, sequence, time precision and hashes set.</summary>
    public AuditRecord Append(AuditRecord draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var record = draft with
        {
            Chain = Id,
            Seq = _seq + 1,
            Time = AuditCanonicalForm.Truncate(draft.Time),
            Arguments = draft.Arguments is null ? null : AuditCanonicalForm.CanonicalJson(draft.Arguments),
            PrevHash = _head,
            Hash = "",
        };
        record = record with { Hash = AuditCanonicalForm.ComputeHash(record, argumentsCanonical: true) };
        _seq = record.Seq;
        _head = record.Hash;
        return record;
    }

    /// <summary>Appends a checkpoint of the chain so far, signed with <paramref name="key"/> when one is given.</summary>
    public AuditRecord AppendCheckpoint(DateTimeOffset time, ReadOnlySpan<byte> key) => AppendCheckpoint(time, null, key);

    /// <summary>
    /// Appends a checkpoint stating that retention deleted, per chain, the records before the
    /// newest checkpoint older than <paramref name="cutoff"/>; signed with <paramref name="key"/>
    /// when one is given, so that only the key's holder can vouch for a cut.
    /// </summary>
    public AuditRecord AppendRetentionCheckpoint(DateTimeOffset time, DateTimeOffset cutoff, ReadOnlySpan<byte> key) =>
        AppendCheckpoint(time, AuditCanonicalForm.Truncate(cutoff), key);

    private AuditRecord AppendCheckpoint(DateTimeOffset time, DateTimeOffset? retentionCutoff, ReadOnlySpan<byte> key)
    {
        var record = new AuditRecord
        {
            Kind = AuditKinds.Checkpoint,
            Chain = Id,
            Seq = _seq + 1,
            Time = AuditCanonicalForm.Truncate(time),
            RetentionCutoff = retentionCutoff,
            PrevHash = _head,
        };
        if (!key.IsEmpty)
        {
            record = record with { Mac = AuditCanonicalForm.ComputeMac(record, key) };
        }

        record = record with { Hash = AuditCanonicalForm.ComputeHash(record) };
        _seq = record.Seq;
        _head = record.Hash;
        return record;
    }
}
