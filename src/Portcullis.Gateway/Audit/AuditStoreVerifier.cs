using System.Text;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// Verifies the audit log a store holds, as <c>portcullis audit verify --config</c> and the admin
/// UI's <b>Verify</b> do: every record read back in chain order, then <see cref="AuditVerifier"/>.
/// </summary>
internal static class AuditStoreVerifier
{
    /// <summary>Reads every record of <paramref name="store"/> and verifies them; <paramref name="checkpointKey"/> is null when no key is known.</summary>
    public static async Task<AuditVerification> VerifyAsync(IAuditStore store, string? checkpointKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var records = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(record);
        }

        return AuditVerifier.Verify(records, KeyBytes(checkpointKey));
    }

    /// <summary>The checkpoint key as the signatures use it (empty when none is given).</summary>
    public static byte[] KeyBytes(string? checkpointKey) => checkpointKey is null ? [] : Encoding.UTF8.GetBytes(checkpointKey);

    /// <summary>What an intact log holds: "12 record(s) in 2 chain(s); 3 signed checkpoint(s) verified."</summary>
    public static string Summary(AuditVerification verification)
    {
        ArgumentNullException.ThrowIfNull(verification);
        return $"{verification.Records} record(s) in {verification.Chains} chain(s); " + (verification.SignaturesChecked
            ? $"{verification.SignedCheckpoints} signed checkpoint(s) verified."
            : "checkpoint signatures not checked (no key given).");
    }
}
