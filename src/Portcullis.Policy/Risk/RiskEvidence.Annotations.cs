namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double DestructiveHintWeight = 1.2;
    private const double NotReadOnlyHintWeight = 0.6;
    private const double ReadOnlyHintWeight = 1.0;

    /// <summary>
    /// The server's hints are claims from a party not yet trusted: one that raises the risk counts
    /// at once; one that lowers it (readOnlyHint, destructiveHint false) waits in
    /// <see cref="LoweringHints"/> until the other signals are seen to agree.
    /// </summary>
    private void AddAnnotations()
    {
        var hints = Tool.Annotations;
        if (hints.Destructive == true)
        {
            Add(new RiskSignal(RiskSignalKinds.Annotation, "destructiveHint: true", DestructiveHintWeight, RiskCategory.Destructive));
        }

        if (hints.ReadOnly == false)
        {
            Add(new RiskSignal(RiskSignalKinds.Annotation, "readOnlyHint: false", NotReadOnlyHintWeight, RiskCategory.Write));
        }

        if (hints.ReadOnly == true)
        {
            LoweringHints.Add(new RiskSignal(RiskSignalKinds.Annotation, "readOnlyHint: true", ReadOnlyHintWeight, RiskCategory.Read));
        }
        else if (hints.Destructive == false)
        {
            LoweringHints.Add(new RiskSignal(RiskSignalKinds.Annotation, "destructiveHint: false", NotReadOnlyHintWeight, RiskCategory.Write));
        }
    }
}
