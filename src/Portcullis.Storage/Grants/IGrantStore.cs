namespace Portcullis.Storage.Grants;

/// <summary>Grants created at run time (<c>portcullis grants</c>), shared by every gateway using the store.</summary>
public interface IGrantStore
{
    /// <summary>
    /// Whether the store keeps grants created at run time. One that does not (the memory store)
    /// finds and lists none and refuses to create one.
    /// </summary>
    bool KeepsGrants { get; }

    /// <summary>The grant whose token hashes to <paramref name="tokenHash"/>, revoked or not.</summary>
    ValueTask<StoredGrant?> FindByTokenHashAsync(ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Every grant, oldest first.</summary>
    ValueTask<IReadOnlyList<StoredGrant>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a grant; false when the name is taken.</summary>
    ValueTask<bool> CreateAsync(StoredGrant grant, CancellationToken cancellationToken = default);

    /// <summary>Replaces a live grant's token; false when there is no such live grant.</summary>
    ValueTask<bool> ReplaceTokenAsync(string name, ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Revokes a grant for good; false when there is no such live grant.</summary>
    ValueTask<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// A number the store moves whenever a stored grant is changed or removed (revoked, its token
    /// replaced), whoever changed it, so an instance that keeps copies of grants learns when to read
    /// them again. Only equality matters. Throws <see cref="StoreUnavailableException"/> when the
    /// store cannot answer.
    /// </summary>
    ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default);
}
