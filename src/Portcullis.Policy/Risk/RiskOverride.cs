namespace Portcullis.Policy.Risk;

/// <summary>An operator's own verdict on a tool, which replaces the classifier's.</summary>
/// <param name="Category">The category the operator assigns.</param>
/// <param name="Severity">The severity the operator assigns.</param>
/// <param name="Reason">Why, in the operator's words (optional).</param>
public sealed record RiskOverride(RiskCategory Category, RiskSeverity Severity, string? Reason);
