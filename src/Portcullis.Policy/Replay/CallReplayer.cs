using System.Collections.Immutable;
using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Replay;

/// <summary>
/// Decides recorded calls again under another policy, in time order, with limits counted in a
/// fresh <see cref="LimitLedger"/> from the first replayed call on (calls before the range, and
/// calls that could not be replayed, count towards nothing). A call whose decision would read
/// something the audit log did not keep — argument values under <c>audit_args: keys</c>, masked
/// values, the server's input schema for <c>validate_args</c>, the labels of a grant that is gone —
/// is not replayable and is never guessed.
/// </summary>
public static class CallReplayer
{
    private static readonly JsonElement s_noArguments = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Every call decided again, in time order.</summary>
    public static ImmutableArray<ReplayedCall> Replay(CompiledPolicy policy, IEnumerable<RecordedCall> calls)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(calls);
        var ledger = new LimitLedger();
        var results = ImmutableArray.CreateBuilder<ReplayedCall>();
        foreach (var call in calls.OrderBy(c => c.Time))
        {
            var inputs = policy.InputsOf(call.Tool);
            if (Missing(call, inputs) is { } missing)
            {
                results.Add(new ReplayedCall(call, null, missing));
                continue;
            }

            // What the policy does not read may be anything: names-only arguments become an empty object.
            var arguments = call.Arguments ?? s_noArguments;
            var grant = new PolicyGrant(call.GrantName, call.GrantLabels);
            var toolCall = new ToolCall(call.ServerId, call.Tool, arguments, grant, call.Session, call.Time);
            results.Add(new ReplayedCall(call, ledger.Reserve(policy.Evaluate(toolCall), call.Time), null));
        }

        return results.ToImmutable();
    }

    private static string? Missing(RecordedCall call, CallInputs inputs)
    {
        if (inputs.HasFlag(CallInputs.InputSchema))
        {
            return "validate_args needs the server's input schema, which the audit log does not keep";
        }

        if (inputs.HasFlag(CallInputs.Arguments) && call.Arguments is null)
        {
            return "the policy reads argument values, and only their names were recorded (audit_args: keys)";
        }

        if (inputs.HasFlag(CallInputs.Arguments) && call.ArgumentsRedacted)
        {
            return "the policy reads argument values, and some were recorded masked (audit_args: redacted)";
        }

        if (inputs.HasFlag(CallInputs.GrantLabels) && call.GrantLabels is null)
        {
            return $"the policy reads grant labels, and grant '{call.GrantName}' no longer exists";
        }

        return null;
    }
}
