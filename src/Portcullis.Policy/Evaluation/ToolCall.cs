using System.Text.Json;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Evaluation;

/// <summary>
/// Everything a policy may look at for one <c>tools/call</c>. <see cref="Time"/> comes from the
/// caller's <see cref="TimeProvider"/> so decisions are reproducible in tests.
/// </summary>
/// <param name="ServerId">The upstream server the call is for (used for <c>server</c>-scoped limits).</param>
/// <param name="ToolName">The tool's exact name.</param>
/// <param name="Arguments">The call's <c>arguments</c>; <c>default</c> when the call has none.</param>
/// <param name="Grant">The grant that authenticated the call.</param>
/// <param name="SessionId">The gateway's MCP session id, when there is a session.</param>
/// <param name="Time">When the call is decided.</param>
public readonly record struct ToolCall(
    string ServerId,
    string ToolName,
    JsonElement Arguments,
    PolicyGrant Grant,
    string? SessionId,
    DateTimeOffset Time)
{
    /// <summary>
    /// The tool's input schema as the server advertised it, supplied by the gateway when the policy
    /// validates this tool's arguments (<see cref="CompiledPolicy.ValidatesArguments"/>); null otherwise.
    /// </summary>
    public ServerToolSchema? InputSchema { get; init; }

    /// <summary>Creates a call decided now, by <paramref name="timeProvider"/>'s clock.</summary>
    public static ToolCall At(TimeProvider timeProvider, string serverId, string toolName, JsonElement arguments, PolicyGrant grant, string? sessionId)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new ToolCall(serverId, toolName, arguments, grant, sessionId, timeProvider.GetUtcNow());
    }
}
