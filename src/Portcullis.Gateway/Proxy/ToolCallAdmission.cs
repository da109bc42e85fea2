using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;

namespace Portcullis.Gateway.Proxy;

/// <summary>What the gate says about one client message.</summary>
internal sealed record ToolCallAdmission
{
    /// <summary>A protocol error to answer instead of forwarding (e.g. an unknown or hidden tool).</summary>
    public GatewayError? Error { get; init; }

    /// <summary>Whether <see cref="Error"/> was already recorded as a call decision (a hidden tool); other errors are recorded as refusals by the front.</summary>
    public bool Audited { get; init; }

    /// <summary>A policy denial to answer as an <c>isError</c> result instead of forwarding.</summary>
    public PolicyDecision? Denial { get; init; }

    /// <summary>Reservations to roll back if the call never reaches the upstream.</summary>
    public IReadOnlyList<CounterLease> Leases { get; init; } = [];

    /// <summary>For a <c>tools/list</c> request, what filters the upstream's answer.</summary>
    public ToolsListRewriter? Rewriter { get; init; }

    /// <summary>For an <c>initialize</c> request to a server whose instructions are dropped or replaced, what rewrites the answer.</summary>
    public InstructionsRewriter? InitializeRewriter { get; init; }

    /// <summary>For a forwarded <c>tools/call</c>, its audit record, completed with the upstream's answer by <see cref="ToolCallGate.CompleteAsync"/>.</summary>
    public AuditRecord? PendingRecord { get; init; }

    /// <summary>For a call held for approval: the pending approval, to wait for before anything else.</summary>
    public ApprovalRequest? Hold { get; init; }

    /// <summary>For a held call: what happens when nobody decides in time.</summary>
    public TimeoutAction OnTimeout { get; init; } = TimeoutAction.Deny;

    /// <summary>When the request arrived (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long StartedAt { get; init; }

    public bool Forward => Error is null && Denial is null;
}
