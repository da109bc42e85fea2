namespace Portcullis.Storage.Audit;

/// <summary>Why an audit log failed verification. Reports name it by a stable word (<c>HASH_MISMATCH</c>, …) that scripts can match.</summary>
public enum AuditFailure
{
    /// <summary><c>HASH_MISMATCH</c>: a record's content does not match its hash (it was edited).</summary>
    HashMismatch,

    /// <summary><c>PREV_MISMATCH</c>: a record does not link to the hash of the one before it, or a chain's first record to the genesis hash.</summary>
    PrevMismatch,

    /// <summary><c>SEQ_GAP</c>: records are missing from a chain (deleted).</summary>
    SeqGap,

    /// <summary><c>REORDERED</c>: a chain's records are out of order, or one appears twice.</summary>
    Reordered,

    /// <summary><c>HEAD_CUT</c>: a chain starts after seq 1, and no retention checkpoint accounts for the records before it.</summary>
    HeadCut,

    /// <summary><c>BAD_SIGNATURE</c>: with a key given, a checkpoint carries no signature or one the key does not make.</summary>
    BadSignature,

    /// <summary><c>MALFORMED</c>: a line or row is not an audit record.</summary>
    Malformed,

    /// <summary><c>COLUMN_MISMATCH</c>: a database row's indexed columns differ from the record it holds.</summary>
    ColumnMismatch,
}
