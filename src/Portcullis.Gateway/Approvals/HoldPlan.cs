using Portcullis.Gateway.Protocol;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Approvals;

namespace Portcullis.Gateway.Approvals;

/// <summary>What a call that needs approval comes to, before its limits are reserved: exactly one member is set.</summary>
internal sealed record HoldPlan
{
    /// <summary>An identical call was approved within the rule's <c>remember</c> window: it goes ahead, for this reason.</summary>
    public string? RememberedBecause { get; init; }

    /// <summary>The approval to store and wait for.</summary>
    public ApprovalRequest? Request { get; init; }

    /// <summary>Nobody could approve it here: the call is denied.</summary>
    public PolicyDecision? Denial { get; init; }

    /// <summary>The call cannot be put to an approver.</summary>
    public GatewayError? Error { get; init; }
}
