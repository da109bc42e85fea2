namespace Portcullis.Policy.Evaluation;

/// <summary>
/// What of a call, beyond its tool name, time, grant name and session, a policy reads to decide it.
/// Deciding a call again later (an audit replay) needs these, and must not guess them when they
/// were not kept.
/// </summary>
[Flags]
public enum CallInputs
{
    /// <summary>Nothing beyond the tool name, time, grant name and session.</summary>
    None = 0,

    /// <summary>Argument values: a condition on <c>args…</c>, or a limit with <c>increment_from</c>.</summary>
    Arguments = 1,

    /// <summary>The grant's labels: a condition on <c>grant.labels…</c>.</summary>
    GrantLabels = 2,

    /// <summary>The server's input schema for the tool: <c>validate_args</c>.</summary>
    InputSchema = 4,
}
