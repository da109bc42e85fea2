namespace Portcullis.Policy.Documents;

/// <summary>What happens to a tool that has no entry under <c>tools</c>.</summary>
public enum DefaultAction
{
    /// <summary>Tools without an entry are denied (and left out of <c>tools/list</c>).</summary>
    Deny,

    /// <summary>Tools without an entry are allowed, subject to <c>all_tools</c>.</summary>
    Allow,
}

/// <summary>Whether decisions are enforced or only recorded.</summary>
public enum PolicyMode
{
    /// <summary>Decisions are enforced.</summary>
    Enforce,

    /// <summary>Decisions are computed and audited but never block a call.</summary>
    Shadow,
}

/// <summary>How much of a call's arguments the audit log keeps.</summary>
public enum AuditArguments
{
    /// <summary>Only the argument names (the default).</summary>
    Keys,

    /// <summary>The arguments, with values that look like secrets (tokens, keys, e-mail addresses, card numbers) masked.</summary>
    Redacted,

    /// <summary>The arguments as sent.</summary>
    Full,
}

/// <summary>The brief's short form for a tool's fate.</summary>
public enum ToolAction
{
    /// <summary>The call proceeds to the remaining checks.</summary>
    Allow,

    /// <summary>The call is denied with the rule's <c>reason</c>.</summary>
    Deny,

    /// <summary>Every call is held until a person approves it.</summary>
    RequireApproval,
}

/// <summary>Whose calls a limit counts together.</summary>
public enum LimitScope
{
    /// <summary>One counter per grant.</summary>
    Grant,

    /// <summary>One counter per MCP session.</summary>
    Session,

    /// <summary>One counter for the upstream server, shared by every grant.</summary>
    Server,

    /// <summary>One counter shared by every server that uses the counter name.</summary>
    Global,
}

/// <summary>How a limit's window is measured.</summary>
public enum LimitAlgorithm
{
    /// <summary>Windows aligned to the UTC epoch (12:00:00–12:00:59): cheap, but a caller can use the limit twice across a boundary.</summary>
    Fixed,

    /// <summary>Any window-long interval ending now holds at most the maximum: no burst at a boundary.</summary>
    Sliding,
}

/// <summary>What happens when nobody decides a held call in time.</summary>
public enum TimeoutAction
{
    /// <summary>The call is denied.</summary>
    Deny,

    /// <summary>The call is forwarded.</summary>
    Allow,
}
