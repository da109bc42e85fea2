using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Audit;
using Portcullis.Storage;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Approvals;

/// <summary>How a decision request ended.</summary>
internal enum DecisionResult
{
    /// <summary>The decision was taken.</summary>
    Decided,

    /// <summary>No approval has this id.</summary>
    NotFound,

    /// <summary>It was already approved, denied, timed out or withdrawn.</summary>
    AlreadyDecided,

    /// <summary>The approver is the grant that made the call.</summary>
    SelfApproval,
}

/// <summary>
/// Holds calls for a person: stores each pending approval (so any instance, the CLI or the admin
/// API can decide it), waits for the decision — announced over the change feed, and checked in
/// the store every second — and resolves it as timed out or withdrawn when nobody decides in
/// time or the client gives up. The first decision wins, atomically in the store.
/// </summary>
internal sealed class ApprovalService(IApprovalStore store, IChangeFeed changes, AuditLog audit, TimeProvider timeProvider, ILogger<ApprovalService> logger)
{
    /// <summary>The change-feed topic on which decisions are announced (the message is the approval id).</summary>
    public const string ChangeTopic = "approvals";

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private int _subscribed;

    /// <summary>The store approvals are kept in.</summary>
    public IApprovalStore Store => store;

    /// <summary>
    /// Whether anyone could decide a held call under <paramref name="config"/>: admins for the
    /// admin API, or a store the CLI can reach. Without either, holding would only delay a denial.
    /// </summary>
    public static bool CanBeDecided(Configuration.GatewayConfig config) =>
        !(config ?? throw new ArgumentNullException(nameof(config))).Admins.IsEmpty || config.Store != Configuration.StoreConfig.Memory;

    /// <summary>A new approval id: <c>apr_</c> and 128 random bits.</summary>
    public static string NewId() => "apr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Stores a pending approval.</summary>
    public async Task CreateAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
        _waiting[request.Id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await store.CreateAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the approval is decided, times out (then it is resolved as timed out here) or
    /// <paramref name="cancellationToken"/> fires (then it is withdrawn). Calls
    /// <paramref name="heartbeat"/> every <paramref name="heartbeatInterval"/> meanwhile.
    /// Returns the approval as finally decided.
    /// </summary>
    public async Task<ApprovalRequest> WaitAsync(ApprovalRequest request, Func<Task> heartbeat, TimeSpan heartbeatInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(heartbeat);
        var decided = await WaitUntilDecidedAsync(request, heartbeat, heartbeatInterval, cancellationToken).ConfigureAwait(false);
        Waited?.Invoke(timeProvider.GetUtcNow() - request.RequestedAt, decided.Status);
        return decided;
    }

    /// <summary>Told how long each held call waited and its final status.</summary>
    public Action<TimeSpan, string>? Waited { get; init; }

    /// <summary>Calls held on this instance now.</summary>
    public int Waiting => _waiting.Count;

    private async Task<ApprovalRequest> WaitUntilDecidedAsync(ApprovalRequest request, Func<Task> heartbeat, TimeSpan heartbeatInterval,
        CancellationToken cancellationToken)
    {
        var signal = _waiting.GetOrAdd(request.Id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var nextHeartbeat = timeProvider.GetUtcNow() + heartbeatInterval;
        try
        {
            while (true)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return await ResolveAsync(request.Id, ApprovalStatus.Withdrawn, "the client cancelled the call").ConfigureAwait(false);
                }

                var now = timeProvider.GetUtcNow();
                if (now >= request.ExpiresAt)
                {
                    return await ResolveAsync(request.Id, ApprovalStatus.TimedOut, $"nobody decided within {(request.ExpiresAt - request.RequestedAt).TotalSeconds:0} s")
                        .ConfigureAwait(false);
                }

                if (now >= nextHeartbeat)
                {
                    await heartbeat().ConfigureAwait(false);
                    nextHeartbeat = now + heartbeatInterval;
                }

                var wait = new[] { s_pollInterval, request.ExpiresAt - now, nextHeartbeat - now }.Min();
                try
                {
                    await signal.Task.WaitAsync(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                ApprovalRequest? current;
                try
                {
                    current = await store.GetAsync(request.Id, CancellationToken.None).ConfigureAwait(false);
                }
                catch (StoreUnavailableException)
                {
                    continue; // Keep waiting; the timeout still applies.
                }

                if (current is not null && current.Status != ApprovalStatus.Pending)
                {
                    return current;
                }
            }
        }
        finally
        {
            _waiting.TryRemove(request.Id, out _);
        }
    }

    /// <summary>
    /// Approves or denies a pending approval as <paramref name="approver"/>. Refuses an approver
    /// who is the grant that made the call; records the decision in the audit log and announces it.
    /// </summary>
    public async Task<(DecisionResult Result, ApprovalRequest? Approval)> DecideAsync(string id, bool approve, string approver, string? comment,
        CancellationToken cancellationToken)
    {
        var approval = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (approval is null)
        {
            return (DecisionResult.NotFound, null);
        }

        if (string.Equals(approval.Grant, approver, StringComparison.Ordinal))
        {
            return (DecisionResult.SelfApproval, approval);
        }

        var now = timeProvider.GetUtcNow();
        if (approval.Status == ApprovalStatus.Pending && now >= approval.ExpiresAt)
        {
            await ResolveAsync(id, ApprovalStatus.TimedOut, "expired before the decision").ConfigureAwait(false);
            return (DecisionResult.AlreadyDecided, await store.GetAsync(id, cancellationToken).ConfigureAwait(false));
        }

        var status = approve ? ApprovalStatus.Approved : ApprovalStatus.Denied;
        if (!await store.DecideAsync(id, status, approver, comment, AuditCanonicalForm.Truncate(now), cancellationToken).ConfigureAwait(false))
        {
            return (DecisionResult.AlreadyDecided, await store.GetAsync(id, cancellationToken).ConfigureAwait(false));
        }

        await audit.RecordAsync(new AuditRecord
        {
            Kind = AuditKinds.Admin,
            Actor = approver,
            Action = approve ? "approval.approved" : "approval.denied",
            Target = $"approval:{id}",
            Grant = approval.Grant,
            Server = approval.Server,
            Tool = approval.Tool,
            Before = ApprovalStatus.Pending,
            After = status,
            Reason = comment,
        }).ConfigureAwait(false);
        await AnnounceAsync(id).ConfigureAwait(false);
        return (DecisionResult.Decided, await store.GetAsync(id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Withdraws a pending approval whose client cancelled the call or went away; returns it as finally decided.</summary>
    public Task<ApprovalRequest> WithdrawAsync(string id) => ResolveAsync(id, ApprovalStatus.Withdrawn, "the client cancelled the call");

    /// <summary>An approval of an identical call (grant, server, tool, arguments) decided within <paramref name="window"/>, if any.</summary>
    public async Task<ApprovalRequest?> FindRememberedAsync(string grant, string server, string tool, string argumentsHash, TimeSpan window,
        CancellationToken cancellationToken) =>
        await store.FindApprovedAsync(grant, server, tool, argumentsHash, timeProvider.GetUtcNow() - window, cancellationToken).ConfigureAwait(false);

    /// <summary>Takes the decision <paramref name="status"/> unless someone decided first; returns the approval as finally decided.</summary>
    private async Task<ApprovalRequest> ResolveAsync(string id, string status, string comment)
    {
        var at = AuditCanonicalForm.Truncate(timeProvider.GetUtcNow());
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (await store.DecideAsync(id, status, decidedBy: null, comment, at, CancellationToken.None).ConfigureAwait(false))
                {
                    await AnnounceAsync(id).ConfigureAwait(false);
                }

                return await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Approval '{id}' disappeared from the store.");
            }
            catch (StoreUnavailableException e) when (attempt < 3)
            {
                Log.ApprovalStoreRetry(logger, id, e.Message);
                await Task.Delay(s_pollInterval, timeProvider).ConfigureAwait(false);
            }
            catch (StoreUnavailableException)
            {
                // The store cannot record the outcome: the call is refused all the same (fail closed).
                return new ApprovalRequest
                {
                    Id = id, Grant = "", Server = "", Tool = "", ArgumentsHash = "", RuleId = "", Reason = "",
                    RequestedAt = at, ExpiresAt = at, Status = status == ApprovalStatus.Withdrawn ? status : ApprovalStatus.TimedOut,
                    Comment = "the approval store is unavailable", DecidedAt = at,
                };
            }
        }
    }

    private async Task AnnounceAsync(string id)
    {
        if (_waiting.TryGetValue(id, out var local))
        {
            local.TrySetResult();
        }

        try
        {
            await changes.PublishAsync(ChangeTopic, id).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // Instances holding the call find the decision in the store within a second.
        }
    }

    private async Task SubscribeOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _subscribed, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await changes.SubscribeAsync(ChangeTopic, id =>
            {
                if (_waiting.TryGetValue(id, out var waiting))
                {
                    waiting.TrySetResult();
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            Volatile.Write(ref _subscribed, 0); // Try again with the next approval; polling covers the gap.
        }
    }
}
