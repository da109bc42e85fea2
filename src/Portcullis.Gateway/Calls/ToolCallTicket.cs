using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Protocol;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;

namespace Portcullis.Gateway.Calls;

/// <summary>
/// One admitted client message on its way through the gateway, the same for every front: its
/// <see cref="Outcome"/> says whether to forward it, answer a denial or an error, or first wait
/// for a person (<see cref="WaitForApprovalAsync"/>). A forwarded call is told how the upstream
/// answered through <see cref="Upstream"/>. Disposing the ticket ends the call: reservations of a
/// call the upstream cannot have run are given back, and the call's one audit record is written
/// (a call admitted but never sent — its client went away — is recorded as such).
/// </summary>
internal sealed class ToolCallTicket : IAsyncDisposable
{
    private readonly CallRecorder? _recorder;
    private readonly LimitReserver? _limits;
    private readonly ApprovalHolds? _holds;
    private readonly CallOrigin? _origin;
    private readonly string? _requestId;
    private IReadOnlyList<CounterLease> _leases = [];
    private AuditRecord? _pending;
    private TimeoutAction _onTimeout;
    private bool _ended;

    private ToolCallTicket(ToolCallOutcome outcome)
    {
        Outcome = outcome;
    }

    private ToolCallTicket(CallRecorder recorder, LimitReserver limits, ApprovalHolds holds, CallOrigin origin, string? requestId, AuditRecord pending,
        IReadOnlyList<CounterLease> leases)
        : this(ToolCallOutcome.Forward)
    {
        _recorder = recorder;
        _limits = limits;
        _holds = holds;
        _origin = origin;
        _requestId = requestId;
        _pending = pending;
        _leases = leases;
    }

    public ToolCallOutcome Outcome { get; private set; }

    /// <summary>For <see cref="ToolCallOutcome.Error"/>: the error to answer.</summary>
    public GatewayError? Error { get; private init; }

    /// <summary>For <see cref="ToolCallOutcome.Deny"/>: the denial to answer as an <c>isError</c> result.</summary>
    public PolicyDecision? Denial { get; private set; }

    /// <summary>For <see cref="ToolCallOutcome.Hold"/>: the pending approval.</summary>
    public ApprovalRequest? Hold { get; private set; }

    /// <summary>For a <c>tools/list</c> request: what filters the upstream's answer.</summary>
    public ToolsListRewriter? ListRewriter { get; private init; }

    /// <summary>For an <c>initialize</c> request to a server whose instructions are dropped or replaced: what rewrites the answer.</summary>
    public InstructionsRewriter? InitializeRewriter { get; private init; }

    /// <summary>How far the request to the upstream got; the front tells it.</summary>
    public UpstreamExchange Upstream { get; } = new();

    /// <summary>A message that goes ahead with nothing to record (not a <c>tools/call</c>), perhaps with a rewriter for its answer.</summary>
    public static ToolCallTicket Pass(ToolsListRewriter? listRewriter = null, InstructionsRewriter? initializeRewriter = null) =>
        new(ToolCallOutcome.Forward) { ListRewriter = listRewriter, InitializeRewriter = initializeRewriter };

    /// <summary>An error answered instead of forwarding; its refusal (or call record) is already written.</summary>
    public static ToolCallTicket Refused(GatewayError error) => new(ToolCallOutcome.Error) { Error = error };

    /// <summary>A denied call; its record is already written.</summary>
    public static ToolCallTicket Denied(PolicyDecision denial) => new(ToolCallOutcome.Deny) { Denial = denial };

    /// <summary>A call that goes ahead holding <paramref name="leases"/>; its record is written when the ticket is disposed.</summary>
    public static ToolCallTicket Forwarded(CallRecorder recorder, LimitReserver limits, ApprovalHolds holds, CallOrigin origin, AuditRecord pending,
        IReadOnlyList<CounterLease> leases) =>
        new(recorder, limits, holds, origin, requestId: null, pending, leases);

    /// <summary>
    /// A call (whose JSON-RPC id is <paramref name="requestId"/>, as raw JSON text, by which a
    /// cancellation names it) that waits for <paramref name="hold"/> holding <paramref name="leases"/>;
    /// what happens on timeout is <paramref name="onTimeout"/>.
    /// </summary>
    public static ToolCallTicket Held(CallRecorder recorder, LimitReserver limits, ApprovalHolds holds, CallOrigin origin, string requestId,
        AuditRecord pending, IReadOnlyList<CounterLease> leases, ApprovalRequest hold, TimeoutAction onTimeout) =>
        new(recorder, limits, holds, origin, requestId, pending, leases) { Outcome = ToolCallOutcome.Hold, Hold = hold, _onTimeout = onTimeout };

    /// <summary>
    /// For <see cref="ToolCallOutcome.Hold"/>: waits for the decision and turns the ticket into
    /// <see cref="ToolCallOutcome.Forward"/> (approved, or timed out where <c>on_timeout</c>
    /// allows) or <see cref="ToolCallOutcome.Deny"/> (reservations given back, recorded).
    /// <paramref name="keepAlive"/> is called with 0 before the wait and with 1, 2, … every
    /// heartbeat; its failure, or <paramref name="clientGone"/>, withdraws the approval.
    /// </summary>
    public async Task WaitForApprovalAsync(Func<int, Task> keepAlive, CancellationToken clientGone)
    {
        if (Outcome != ToolCallOutcome.Hold)
        {
            throw new InvalidOperationException("Only a held call waits for approval.");
        }

        var outcome = await _holds!.WaitAsync(Hold!, _origin!.SessionId, _requestId!, keepAlive, clientGone).ConfigureAwait(false);
        await ResolveAsync(outcome).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Outcome == ToolCallOutcome.Hold)
        {
            // Nobody waited for the decision (the front failed or gave up): withdraw the approval; a decision that came first still counts.
            await ResolveAsync(await _holds!.WithdrawAsync(Hold!).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (_ended || _pending is not { } record)
        {
            return;
        }

        _ended = true;
        if (!Upstream.Started)
        {
            await _limits!.RollbackAsync(_leases).ConfigureAwait(false);
            await _recorder!.DeniedAsync(record, PolicyDecision.Denied(record.RuleId ?? "", "The client went away before the call was forwarded."), _origin!.StartedAt)
                .ConfigureAwait(false);
            return;
        }

        if (!Upstream.Executed)
        {
            // The call never ran upstream: give its reservations back.
            await _limits!.RollbackAsync(_leases).ConfigureAwait(false);
        }

        await _recorder!.ForwardedAsync(record, Upstream, _origin!.StartedAt).ConfigureAwait(false);
    }

    private async Task ResolveAsync(ApprovalRequest outcome)
    {
        var record = _pending!;
        var hold = Hold!;
        Hold = null;
        string? allowedBecause = outcome.Status switch
        {
            ApprovalStatus.Approved => $"approved by {outcome.DecidedBy}" + (string.IsNullOrEmpty(outcome.Comment) ? "" : ": " + outcome.Comment),
            ApprovalStatus.TimedOut when _onTimeout == TimeoutAction.Allow => "approval timed out; on_timeout allows the call",
            _ => null,
        };
        if (allowedBecause is not null)
        {
            _pending = record with { Decision = AuditDecisions.Allow, RuleId = hold.RuleId, Reason = allowedBecause };
            Outcome = ToolCallOutcome.Forward;
            return;
        }

        var reason = outcome.Status switch
        {
            ApprovalStatus.Denied => $"Denied by {outcome.DecidedBy}" + (string.IsNullOrEmpty(outcome.Comment) ? "." : ": " + outcome.Comment),
            ApprovalStatus.TimedOut => $"Approval timed out: {outcome.Comment}.",
            _ => $"Approval withdrawn: {outcome.Comment}.",
        };
        _ended = true;
        _pending = null;
        Outcome = ToolCallOutcome.Deny;
        Denial = PolicyDecision.Denied(hold.RuleId, reason);
        await _limits!.RollbackAsync(_leases).ConfigureAwait(false);
        _leases = [];
        await _recorder!.DeniedAsync(record, Denial.Value, _origin!.StartedAt).ConfigureAwait(false);
    }
}
