using System.Globalization;
using System.Text;

namespace Portcullis.Policy.Risk;

/// <summary>Writes the paragraph that tells an operator what a tool was classified as, on what evidence, and how sure.</summary>
internal static class RiskRationale
{
    private const int EvidenceShown = 4;

    public static string Of(RiskEvidence evidence, RiskVerdict verdict, IReadOnlyList<RiskSignal> signals)
    {
        var text = new StringBuilder(400);
        text.Append(CultureInfo.InvariantCulture, $"{verdict.Category}, {verdict.Severity} risk (confidence {verdict.Confidence:0.00}). ");
        if (verdict.Defaulted)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"Nothing in its name, description or input schema says what '{evidence.Tool.Name}' does, so it is treated as {verdict.Category} until an operator says otherwise. ");
        }
        else
        {
            var supporting = signals.Where(s => s.Points == verdict.Category && s.Weight > 0).Take(EvidenceShown).Select(Describe);
            text.Append(CultureInfo.InvariantCulture, $"It points to {verdict.Category} because of {JoinList(supporting)}. ");
            AppendDisagreement(text, verdict, signals);
        }

        AppendSeverity(text, verdict, evidence.Traits);
        AppendConfidence(text, evidence, verdict);
        return text.ToString().TrimEnd();
    }

    /// <summary>The paragraph of an overridden tool: the operator's verdict, then the classifier's own.</summary>
    public static string Overridden(RiskOverride operatorOverride, RiskAssessment classified)
    {
        var reason = string.IsNullOrWhiteSpace(operatorOverride.Reason) ? "" : $" ({operatorOverride.Reason.Trim()})";
        return string.Create(CultureInfo.InvariantCulture,
            $"Overridden by the operator: {operatorOverride.Category}, {operatorOverride.Severity} risk{reason}. The classifier's own verdict was {classified.Rationale}");
    }

    private static void AppendDisagreement(StringBuilder text, RiskVerdict verdict, IReadOnlyList<RiskSignal> signals)
    {
        var others = signals
            .Where(s => s.Points != verdict.Category && s.Weight > 0)
            .GroupBy(s => s.Points)
            .OrderByDescending(g => g.Sum(s => s.Weight))
            .ThenByDescending(g => g.Key)
            .Select(g => $"{g.Key} ({JoinList(g.Take(2).Select(Describe))})")
            .ToList();
        if (others.Count == 0)
        {
            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"Other signals pointed to {JoinList(others)}; ");
        text.Append(signals.Any(s => s.Points > verdict.Category && s.Weight > 0)
            ? "the higher-risk ones were too weak against the rest to decide. "
            : "where signals disagree, the higher-risk category wins. ");
    }

    private static void AppendSeverity(StringBuilder text, RiskVerdict verdict, WordTraits traits)
    {
        bool Has(WordTraits trait) => (traits & trait) != 0;
        var why = (verdict.Category, verdict.Severity) switch
        {
            (RiskCategory.Execute, RiskSeverity.Critical) => "it runs whatever command, script or code it is given",
            (RiskCategory.Destructive, RiskSeverity.Critical) => "it acts on many things at once, on a whole store, or past safeguards",
            (RiskCategory.Financial, RiskSeverity.Critical) => "it moves money out",
            (RiskCategory.Write, RiskSeverity.High) when Has(WordTraits.Outbound) => "what it writes reaches people beyond the server",
            (RiskCategory.Write, RiskSeverity.High) when Has(WordTraits.Sensitive) => "it handles secrets or personal data",
            (RiskCategory.Write, RiskSeverity.High) when Has(WordTraits.Money) => "it changes records about money",
            (RiskCategory.Write, RiskSeverity.High) => "it acts on many things at once or past safeguards",
            (RiskCategory.Read, RiskSeverity.Medium) => Has(WordTraits.Sensitive) ? "what it reads may include secrets or personal data" : "what it reads is about money",
            _ => null,
        };
        text.Append(why is null
            ? $"{verdict.Severity} is the usual severity for {verdict.Category} tools. "
            : $"Severity is {verdict.Severity} because {why}. ");
    }

    private static void AppendConfidence(StringBuilder text, RiskEvidence evidence, RiskVerdict verdict)
    {
        var lowered = new List<string>(3);
        if (evidence.DescriptionEmpty)
        {
            lowered.Add("the description is empty");
        }

        if (!verdict.Defaulted && evidence.ScoreOf(verdict.Category) < 0.75 * evidence.TotalScore)
        {
            lowered.Add("the signals disagree");
        }

        if (!verdict.Defaulted && evidence.TotalScore < RiskVerdict.EvidenceScale)
        {
            lowered.Add("there is little evidence");
        }

        foreach (var hint in verdict.IgnoredHints)
        {
            lowered.Add($"the server's {hint.Evidence} was not trusted, as the other signals do not agree with it");
        }

        if (lowered.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"Confidence is lowered because {JoinList(lowered)}. ");
        }

        if (evidence.Tool.Annotations.OpenWorld == true)
        {
            text.Append("The server says it reaches systems outside itself (openWorldHint). ");
        }
    }

    private static string Describe(RiskSignal signal) => signal.Kind switch
    {
        RiskSignalKinds.Name => $"'{signal.Evidence}' in its name",
        RiskSignalKinds.Description => $"'{signal.Evidence}' in its description",
        RiskSignalKinds.Negation => $"its description saying \"{signal.Evidence}\"",
        RiskSignalKinds.InputSchema => $"the input '{signal.Evidence}'",
        RiskSignalKinds.Annotation => $"the server's hint {signal.Evidence}",
        _ when signal.Points == RiskCategory.Execute => $"a server described as \"{signal.Evidence}\", which wraps a command line that this tool likely runs",
        _ when signal.Points == RiskCategory.Financial => $"a server described as \"{signal.Evidence}\", which handles money",
        _ => $"the server's context \"{signal.Evidence}\"",
    };

    private static string JoinList(IEnumerable<string> items)
    {
        var list = items as IList<string> ?? items.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            2 => $"{list[0]} and {list[1]}",
            _ => string.Join(", ", list.Take(list.Count - 1)) + ", and " + list[^1],
        };
    }
}
