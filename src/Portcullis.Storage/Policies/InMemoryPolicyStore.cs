namespace Portcullis.Storage.Policies;

/// <summary>Policy versions in this process's memory: for <c>store: memory</c> and tests; lost on restart.</summary>
public sealed class InMemoryPolicyStore : IPolicyStore
{
    private readonly Dictionary<string, List<PolicyVersion>> _versions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public ValueTask<PolicyVersion> SaveAsync(NewPolicyVersion policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            if (!_versions.TryGetValue(policy.ServerId, out var versions))
            {
                versions = [];
                _versions[policy.ServerId] = versions;
            }

            var saved = policy.Numbered(versions.Count + 1);
            versions.Add(saved);
            return ValueTask.FromResult(saved);
        }
    }

    /// <inheritdoc />
    public ValueTask<PolicyVersion?> GetAsync(string serverId, int version, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_versions.TryGetValue(serverId, out var versions) && version >= 1 && version <= versions.Count
                ? versions[version - 1]
                : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<PolicyVersion?> LatestAsync(string serverId, string? source = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_versions.TryGetValue(serverId, out var versions)
                ? versions.LastOrDefault(v => source is null || v.Source == source)
                : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PolicyVersion>> ListAsync(string serverId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<PolicyVersion> list = _versions.TryGetValue(serverId, out var versions) ? [.. Enumerable.Reverse(versions)] : [];
            return ValueTask.FromResult(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, int> latest = _versions.ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);
            return ValueTask.FromResult(latest);
        }
    }
}
