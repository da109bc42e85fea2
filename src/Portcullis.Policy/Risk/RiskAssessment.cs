namespace Portcullis.Policy.Risk;

/// <summary>The risk of one tool: its category and severity, how sure the classifier is, and why.</summary>
/// <param name="Tool">The tool's name.</param>
/// <param name="Category">What the tool can do.</param>
/// <param name="Severity">How much harm a call can do.</param>
/// <param name="Confidence">How much the signals agreed and how much there was to go on, from 0 to 1 (1 when overridden).</param>
/// <param name="Signals">The evidence weighed, strongest first.</param>
/// <param name="Rationale">One paragraph an operator can read: the verdict, the evidence, and what lowered the confidence.</param>
/// <param name="Classified">The classifier's own verdict when an operator overrode it, otherwise null.</param>
public sealed record RiskAssessment(string Tool, RiskCategory Category, RiskSeverity Severity, double Confidence,
    IReadOnlyList<RiskSignal> Signals, string Rationale, RiskAssessment? Classified)
{
    /// <summary>True when the category and severity are an operator's, not the classifier's.</summary>
    public bool Overridden => Classified is not null;
}
