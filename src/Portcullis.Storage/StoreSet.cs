using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Pins;
using Portcullis.Storage.Policies;
using Portcullis.Storage.Sessions;

namespace Portcullis.Storage;

/// <summary>
/// Every store a gateway uses, opened by a backend (or combined from several). A store a backend
/// lacks is a null object, never null: <see cref="NoGrantStore"/> where no run-time grants are
/// kept, <see cref="NoChangeFeed"/> where no messages travel between processes.
/// </summary>
public sealed class StoreSet : IAsyncDisposable
{
    /// <summary>Run-time grants.</summary>
    public required IGrantStore Grants { get; init; }

    /// <summary>Limit counters.</summary>
    public required ICounterStore Counters { get; init; }

    /// <summary>Client sessions.</summary>
    public required ISessionStore Sessions { get; init; }

    /// <summary>Policy versions.</summary>
    public required IPolicyStore Policies { get; init; }

    /// <summary>Approvals of held calls.</summary>
    public required IApprovalStore Approvals { get; init; }

    /// <summary>Pinned tool definitions.</summary>
    public required IToolPinStore Pins { get; init; }

    /// <summary>Audit records.</summary>
    public required IAuditStore Audit { get; init; }

    /// <summary>Messages between processes that share the stores.</summary>
    public required IChangeFeed Changes { get; init; }

    /// <summary>The connections the stores use, closed in order when the set is disposed.</summary>
    public IReadOnlyList<IAsyncDisposable> Connections { get; init; } = [];

    /// <summary>
    /// Every store in this process's memory: lost on restart, not shared, no run-time grants and no
    /// change messages.
    /// </summary>
    public static StoreSet InMemory(TimeProvider timeProvider) => new()
    {
        Grants = NoGrantStore.Instance,
        Counters = new InMemoryCounterStore(timeProvider),
        Sessions = new InMemorySessionStore(),
        Policies = new InMemoryPolicyStore(),
        Approvals = new InMemoryApprovalStore(),
        Pins = new InMemoryToolPinStore(),
        Audit = new InMemoryAuditStore(),
        Changes = NoChangeFeed.Instance,
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in Connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
