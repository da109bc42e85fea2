namespace Portcullis.Gateway.Calls;

/// <summary>What becomes of a client message once admitted.</summary>
internal enum ToolCallOutcome
{
    /// <summary>Send it to the upstream.</summary>
    Forward,

    /// <summary>Answer the policy's denial as an <c>isError</c> result; already recorded.</summary>
    Deny,

    /// <summary>Answer a JSON-RPC error; already recorded.</summary>
    Error,

    /// <summary>Wait for a person's decision first (<see cref="ToolCallTicket.WaitForApprovalAsync"/>), which turns it into forward or deny.</summary>
    Hold,
}
