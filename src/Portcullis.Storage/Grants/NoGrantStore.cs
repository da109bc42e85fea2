namespace Portcullis.Storage.Grants;

/// <summary>
/// The grant store of the memory store, which keeps no grants created at run time: it finds and
/// lists none, rotates and revokes none, and refuses to create one.
/// </summary>
public sealed class NoGrantStore : IGrantStore
{
    private NoGrantStore()
    {
    }

    /// <summary>The one instance.</summary>
    public static NoGrantStore Instance { get; } = new();

    /// <inheritdoc />
    public bool KeepsGrants => false;

    /// <inheritdoc />
    public ValueTask<StoredGrant?> FindByTokenHashAsync(ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<StoredGrant?>(null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredGrant>> ListAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<StoredGrant>>([]);

    /// <summary>Always throws: callers check <see cref="KeepsGrants"/> first and tell the operator which store to use.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public ValueTask<bool> CreateAsync(StoredGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        throw new InvalidOperationException($"Grant '{grant.Name}' cannot be created: the memory store keeps no run-time grants; use a SQLite or PostgreSQL store.");
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceTokenAsync(string name, ReadOnlyMemory<byte> tokenHash, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    /// <inheritdoc />
    public ValueTask<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    /// <summary>Always 0: nothing is ever stored, so nothing changes.</summary>
    public ValueTask<long> ReadChangeStampAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(0L);
}
