namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double DestructiveHintWeight = 0.8;
    // A server that says its tool is not read-only claims against its own interest: enough for Write.
    private const double NotReadOnlyHintWeight = 1.0;
    private const double ReadOnlyHintWeight = 1.0;

    /// <summary>
    /// The server's hints are claims from a party not yet trusted: one that raises the risk counts
    /// at once; one that lowers it (readOnlyHint, destructiveHint false) waits in
    /// <see cref="LoweringHints"/> until the other signals are seen to agree.
    /// </summary>
    private void AddAnnotations()
    {
        var hints = Tool.Annotations;
        // destructiveHint says the tool may do more than add: it is no reader, and perhaps destroys.
        // Servers set it on every tool that is not read-only, so alone it is not enough for Destructive.
        if (hints.Destructive == true)
        {
            Add(new RiskSignal(RiskSignalKinds.Annotation, "destructiveHint: true", DestructiveHintWeight, RiskCategory.Destructive));
            if (hints.ReadOnly != false)
            {
                Add(new RiskSignal(RiskSignalKinds.Annotation, "destructiveHint: true (not read-only)", NotReadOnlyHintWeight, RiskCategory.Write));
            }
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
