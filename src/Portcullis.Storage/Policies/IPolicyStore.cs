namespace Portcullis.Storage.Policies;

/// <summary>
/// The history of every server's policy: immutable, numbered versions. The newest version is the
/// one in force; restoring an old one saves it again as the newest. A store that cannot answer
/// throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IPolicyStore
{
    /// <summary>Saves <paramref name="policy"/> as the server's next version (one more than the newest, atomically).</summary>
    ValueTask<PolicyVersion> SaveAsync(NewPolicyVersion policy, CancellationToken cancellationToken = default);

    /// <summary>One version of a server's policy, or null when there is no such version.</summary>
    ValueTask<PolicyVersion?> GetAsync(string serverId, int version, CancellationToken cancellationToken = default);

    /// <summary>The newest version of a server's policy, optionally the newest from one source; null when there is none.</summary>
    ValueTask<PolicyVersion?> LatestAsync(string serverId, string? source = null, CancellationToken cancellationToken = default);

    /// <summary>Every version of a server's policy, newest first.</summary>
    ValueTask<IReadOnlyList<PolicyVersion>> ListAsync(string serverId, CancellationToken cancellationToken = default);

    /// <summary>The newest version number of every server's policy (a cheap check for changes).</summary>
    ValueTask<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default);
}
