using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Replay;

/// <summary>A recorded call decided again, or why it could not be.</summary>
/// <param name="Call">The call as recorded.</param>
/// <param name="Decision">The new policy's decision (after its limits); null when not replayable.</param>
/// <param name="NotReplayable">Why the call could not be decided again without guessing; null when it was.</param>
public sealed record ReplayedCall(RecordedCall Call, PolicyDecision? Decision, string? NotReplayable)
{
    /// <summary>True when the new policy reaches another outcome than the recorded one.</summary>
    public bool Changed => Decision is { } decision && decision.Outcome != Call.Outcome;
}
