namespace Portcullis.Storage.Approvals;

/// <summary>
/// Pending and decided approvals, shared by every gateway instance. A decision is taken once:
/// <see cref="DecideAsync"/> changes only a pending approval, atomically, so an approval and a
/// timeout (or two approvers) racing each other cannot both win.
/// </summary>
public interface IApprovalStore
{
    /// <summary>Adds a pending approval.</summary>
    ValueTask CreateAsync(ApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>One approval, or null.</summary>
    ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Approvals, newest first, optionally only those with <paramref name="status"/>.</summary>
    ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(string? status, int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves a pending approval to <paramref name="status"/>; false when it was no longer pending.</summary>
    ValueTask<bool> DecideAsync(string id, string status, string? decidedBy, string? comment, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Whether an identical call (grant, server, tool, arguments hash) was approved at or after <paramref name="since"/>.</summary>
    ValueTask<ApprovalRequest?> FindApprovedAsync(string grant, string server, string tool, string argumentsHash, DateTimeOffset since,
        CancellationToken cancellationToken = default);
}
