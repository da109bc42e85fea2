using System.Globalization;
using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

/// <summary>The classifier against the hand labels of real servers' tools (docs/risk.md reports these figures).</summary>
public sealed class RiskCorpusAccuracyTests(ITestOutputHelper output)
{
    private const double RequiredAgreement = 0.90;
    private const double RequiredHeldOutAgreement = 0.85;

    [Fact]
    public void Classify_Corpus_AgreesWithTheLabelsOnAtLeastNinetyPercent()
    {
        var tools = RiskCorpus.Tools;
        Report(tools);

        Assert.True(tools.Count >= 200, $"The corpus should hold at least 200 tools; it holds {tools.Count}.");
        Assert.True(Agreement(tools) >= RequiredAgreement, $"Agreement on category is {Agreement(tools):P1}; it must be at least {RequiredAgreement:P0}. Disagreements:\n{Disagreements(tools)}");
    }

    [Fact]
    public void Classify_Corpus_NeverCallsADestructiveOrFinancialToolRead()
    {
        var missed = RiskCorpus.Tools.Where(t => t.Category is RiskCategory.Destructive or RiskCategory.Financial && t.Assessment.Category == RiskCategory.Read).ToList();

        Assert.True(missed.Count == 0, $"Classified Read although labelled Destructive or Financial:\n{Disagreements(missed)}");
    }

    [Fact]
    public void Classify_HeldOutServers_AgreeAsWellAsTheRest()
    {
        var heldOut = RiskCorpus.Tools.Where(t => RiskCorpus.HeldOut.Contains(t.Package)).ToList();

        Assert.Equal(3, RiskCorpus.HeldOut.Count);
        Assert.All(RiskCorpus.HeldOut, package => Assert.Contains(heldOut, t => t.Package == package));
        output.WriteLine($"held out ({string.Join(", ", RiskCorpus.HeldOut)}): {heldOut.Count(t => t.Agrees)}/{heldOut.Count} = {Agreement(heldOut):P1}");
        Assert.True(Agreement(heldOut) >= RequiredHeldOutAgreement, $"Agreement on the held-out servers is {Agreement(heldOut):P1}. Disagreements:\n{Disagreements(heldOut)}");
    }

    [Fact]
    public void Classify_Corpus_EveryAssessmentHasARationaleNamingItsCategory()
    {
        Assert.All(RiskCorpus.Tools, t =>
        {
            Assert.StartsWith($"{t.Assessment.Category}, {t.Assessment.Severity} risk", t.Assessment.Rationale, StringComparison.Ordinal);
            Assert.InRange(t.Assessment.Confidence, 0, 1);
        });
    }

    private static double Agreement(IReadOnlyCollection<LabelledTool> tools) => tools.Count == 0 ? 0 : (double)tools.Count(t => t.Agrees) / tools.Count;

    private static string Disagreements(IEnumerable<LabelledTool> tools) => string.Join('\n', tools.Where(t => !t.Agrees)
        .Select(t => $"  {t.Package} {t.Assessment.Tool}: labelled {t.Category}, classified {t.Assessment.Category} ({t.Assessment.Rationale})"));

    // The tables of docs/risk.md, printed so that they can be brought up to date from a test run.
    private void Report(IReadOnlyList<LabelledTool> tools)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overall: {tools.Count(t => t.Agrees)}/{tools.Count} = {Agreement(tools):P1}; severity agrees on {tools.Count(t => t.Assessment.Severity == t.Severity)}"));
        output.WriteLine("| category | labelled | agreement |");
        foreach (var group in tools.GroupBy(t => t.Category).OrderBy(g => g.Key))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {group.Key} | {group.Count()} | {Agreement(group.ToList()):P1} |"));
        }

        output.WriteLine("| server | tools | agreement |");
        foreach (var group in tools.GroupBy(t => t.Package).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var heldOut = RiskCorpus.HeldOut.Contains(group.Key) ? " (held out)" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| `{group.Key}`{heldOut} | {group.Count()} | {Agreement(group.ToList()):P1} |"));
        }

        output.WriteLine(Disagreements(tools));
    }
}
