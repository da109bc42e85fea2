namespace Portcullis.Storage.Approvals;

/// <summary>Approvals in this process's memory: for <c>store: memory</c> and tests; lost on restart.</summary>
public sealed class InMemoryApprovalStore : IApprovalStore
{
    private readonly Dictionary<string, ApprovalRequest> _approvals = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public ValueTask CreateAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            if (!_approvals.TryAdd(request.Id, request))
            {
                throw new InvalidOperationException($"Approval '{request.Id}' already exists.");
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_approvals.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(string? status, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<ApprovalRequest> list = [.. _approvals.Values.Where(a => status is null || a.Status == status)
                .OrderByDescending(a => a.RequestedAt).ThenByDescending(a => a.Id, StringComparer.Ordinal).Take(limit)];
            return ValueTask.FromResult(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DecideAsync(string id, string status, string? decidedBy, string? comment, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_approvals.TryGetValue(id, out var approval) || approval.Status != ApprovalStatus.Pending)
            {
                return ValueTask.FromResult(false);
            }

            _approvals[id] = approval with { Status = status, DecidedBy = decidedBy, Comment = comment, DecidedAt = at };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<ApprovalRequest?> FindApprovedAsync(string grant, string server, string tool, string argumentsHash, DateTimeOffset since,
        CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_approvals.Values
                .Where(a => a.Status == ApprovalStatus.Approved && a.Grant == grant && a.Server == server && a.Tool == tool
                    && a.ArgumentsHash == argumentsHash && a.DecidedAt >= since)
                .OrderByDescending(a => a.DecidedAt)
                .FirstOrDefault());
        }
    }
}
