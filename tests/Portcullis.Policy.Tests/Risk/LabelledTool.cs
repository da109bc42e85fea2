using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

/// <summary>One tool of the corpus: its server, its label and what the classifier made of it.</summary>
internal sealed record LabelledTool(string Package, RiskCategory Category, RiskSeverity Severity, RiskAssessment Assessment)
{
    public bool Agrees => Assessment.Category == Category;
}
