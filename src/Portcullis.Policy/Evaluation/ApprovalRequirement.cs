using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Evaluation;

/// <summary>Why and how long a call is held for a person to decide.</summary>
public sealed class ApprovalRequirement
{
    internal ApprovalRequirement(string ruleId, string reason, ApprovalRule? rule, CompiledCondition[] when, bool always)
    {
        RuleId = ruleId;
        Reason = reason;
        Timeout = rule?.Timeout ?? ApprovalRule.DefaultTimeout;
        OnTimeout = rule?.OnTimeout ?? TimeoutAction.Deny;
        Remember = rule?.Remember;
        Webhook = rule?.Webhook;
        When = when;
        Always = always;
    }

    /// <summary>The rule that asks for approval, e.g. <c>/tools/code_generate/approval</c>.</summary>
    public string RuleId { get; }

    /// <summary>Why approval is needed, for the approver and the audit log.</summary>
    public string Reason { get; }

    /// <summary>How long the call waits.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>What happens when nobody decides in time.</summary>
    public TimeoutAction OnTimeout { get; }

    /// <summary>How long an approval covers identical calls of the same grant; null asks every time.</summary>
    public TimeSpan? Remember { get; }

    /// <summary>Where the pending approval is announced, if anywhere.</summary>
    public ApprovalWebhook? Webhook { get; }

    internal CompiledCondition[] When { get; }

    internal bool Always { get; }
}
