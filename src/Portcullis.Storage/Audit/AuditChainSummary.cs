namespace Portcullis.Storage.Audit;

/// <summary>What verification found for one chain.</summary>
/// <param name="Chain">The chain's id.</param>
/// <param name="FirstSeq">Its first record present (1, unless retention cut it).</param>
/// <param name="LastSeq">Its last record present.</param>
/// <param name="Checkpoints">How many checkpoints it has.</param>
/// <param name="LastSignedSeq">Its last checkpoint whose signature was verified with the key, or null (no key, or no checkpoint).</param>
/// <param name="StartsAtRetentionCut">Whether it starts at a checkpoint where retention cut it.</param>
public sealed record AuditChainSummary(string Chain, long FirstSeq, long LastSeq, long Checkpoints, long? LastSignedSeq, bool StartsAtRetentionCut);
