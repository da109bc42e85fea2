namespace Portcullis.Policy.Conditions;

/// <summary>
/// The result of one condition. <see cref="Error"/> means it could not be decided (a regex that
/// ran out of time, a path that <c>path_under</c> refuses); the evaluator treats that as the
/// outcome that blocks the call.
/// </summary>
public enum ConditionOutcome
{
    /// <summary>The condition does not hold.</summary>
    False,

    /// <summary>The condition holds.</summary>
    True,

    /// <summary>The condition could not be evaluated.</summary>
    Error,
}
