namespace Portcullis.Policy.Risk;

/// <summary>One piece of evidence the classifier weighed.</summary>
/// <param name="Kind">Where the evidence came from: one of <see cref="RiskSignalKinds"/>.</param>
/// <param name="Evidence">The text that was found, as it appears in the tool or the server's context.</param>
/// <param name="Weight">How much it counted (larger counts more).</param>
/// <param name="Points">The category it points to.</param>
public sealed record RiskSignal(string Kind, string Evidence, double Weight, RiskCategory Points);
