using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

public sealed class RiskClassifierTests
{
    [Fact]
    public void Classify_BriefCodeGenerate_IsExecuteHighWithLoweredConfidence()
    {
        var assessment = RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate);

        Assert.Equal(RiskCategory.Execute, assessment.Category);
        Assert.Equal(RiskSeverity.High, assessment.Severity);
        Assert.InRange(assessment.Confidence, 0.05, 0.6);
        Assert.Contains("description is empty", assessment.Rationale, StringComparison.Ordinal);
        Assert.Contains("Codex CLI", assessment.Rationale, StringComparison.Ordinal);
        Assert.Contains(assessment.Signals, s => s.Kind == RiskSignalKinds.Server && s.Points == RiskCategory.Execute);
        Assert.False(assessment.Overridden);
    }
}
