using System.Globalization;
using System.Text;

namespace Portcullis.Policy.Risk;

/// <summary>Writes the paragraph that tells an operator what a tool was classified as, on what evidence, and how sure.</summary>
internal static class RiskRationale
{
    private const int EvidenceShown = 4;
    private const int OtherEvidenceShown = 2;

    public static string Of(RiskEvidence evidence, RiskVerdict verdict, IReadOnlyList<RiskSignal> signals)
    {
        var text = new StringBuilder(512);
        text.Append(CultureInfo.InvariantCulture, $"{verdict.Category}, {verdict.Severity} risk (confidence {verdict.Confidence:0.00}). ");
        if (verdict.Defaulted)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"Nothing in its name, description or input schema says what '{evidence.Tool.Name}' does, so it is treated as {verdict.Category} until an operator says otherwise. ");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"It points to {verdict.Category} because of ");
            AppendEvidence(text, signals, verdict.Category, EvidenceShown);
            text.Append(". ");
            AppendDisagreement(text, verdict, signals);
        }

        AppendSeverity(text, verdict, evidence.Traits);
        AppendConfidence(text, evidence, verdict);
        return text.ToString(0, text.Length - 1);
    }

    /// <summary>The paragraph of an overridden tool: the operator's verdict, then the classifier's own.</summary>
    public static string Overridden(RiskOverride operatorOverride, RiskAssessment classified)
    {
        var reason = string.IsNullOrWhiteSpace(operatorOverride.Reason) ? "" : $" ({operatorOverride.Reason.Trim()})";
        return string.Create(CultureInfo.InvariantCulture,
            $"Overridden by the operator: {operatorOverride.Category}, {operatorOverride.Severity} risk{reason}. The classifier's own verdict was {classified.Rationale}");
    }

    // Signals come strongest first, so the first few of a category are its best evidence.
    private static void AppendEvidence(StringBuilder text, IReadOnlyList<RiskSignal> signals, RiskCategory category, int max)
    {
        var count = 0;
        foreach (var signal in signals)
        {
            count += signal.Points == category && signal.Weight > 0 ? 1 : 0;
        }

        var shown = Math.Min(count, max);
        var written = 0;
        foreach (var signal in signals)
        {
            if (signal.Points != category || signal.Weight <= 0 || written == shown)
            {
                continue;
            }

            text.Append(written == 0 ? "" : written == shown - 1 ? (shown == 2 ? " and " : ", and ") : ", ");
            Describe(text, signal);
            written++;
        }
    }

    private static void AppendDisagreement(StringBuilder text, RiskVerdict verdict, IReadOnlyList<RiskSignal> signals)
    {
        Span<double> scores = stackalloc double[(int)RiskCategory.Financial + 1];
        foreach (var signal in signals)
        {
            if (signal.Points != verdict.Category && signal.Weight > 0)
            {
                scores[(int)signal.Points] += signal.Weight;
            }
        }

        var others = 0;
        var higher = false;
        foreach (var score in scores)
        {
            others += score > 0 ? 1 : 0;
        }

        if (others == 0)
        {
            return;
        }

        text.Append("Other signals pointed to ");
        for (var written = 0; written < others; written++)
        {
            // The strongest other category first; ties go to the higher-risk one.
            var next = 0;
            for (var c = 1; c < scores.Length; c++)
            {
                next = scores[c] >= scores[next] ? c : next;
            }

            var category = (RiskCategory)next;
            higher |= category > verdict.Category;
            text.Append(written == 0 ? "" : written == others - 1 ? (others == 2 ? " and " : ", and ") : ", ");
            text.Append(CultureInfo.InvariantCulture, $"{category} (");
            AppendEvidence(text, signals, category, OtherEvidenceShown);
            text.Append(')');
            scores[next] = -1;
        }

        text.Append(higher
            ? "; the higher-risk ones were too weak against the rest to decide. "
            : "; where signals disagree, the higher-risk category wins. ");
    }

    private static void AppendSeverity(StringBuilder text, RiskVerdict verdict, WordTraits traits)
    {
        bool Has(WordTraits trait) => (traits & trait) != 0;
        var why = (verdict.Category, verdict.Severity) switch
        {
            (RiskCategory.Execute, RiskSeverity.Critical) => "it runs whatever shell command it is given",
            (RiskCategory.Execute, RiskSeverity.Medium) => "its description says it changes nothing",
            (RiskCategory.Destructive, RiskSeverity.Critical) => "it acts on many things at once or past safeguards",
            (RiskCategory.Financial, RiskSeverity.Critical) => "it moves money out",
            (RiskCategory.Write, RiskSeverity.High) when Has(WordTraits.Outbound) => "what it writes reaches people beyond the server",
            (RiskCategory.Write, RiskSeverity.High) when Has(WordTraits.Sensitive) => "it handles secrets",
            (RiskCategory.Write, RiskSeverity.High) => "it changes records about money",
            (RiskCategory.Read, RiskSeverity.Medium) => Has(WordTraits.Sensitive) ? "what it reads may include secrets"
                : Has(WordTraits.Personal) ? "what it reads is content people wrote or data about them" : "what it reads is about money",
            _ => null,
        };
        text.Append(why is null
            ? $"{verdict.Severity} is the usual severity for {verdict.Category} tools. "
            : $"Severity is {verdict.Severity} because {why}. ");
    }

    private static void AppendConfidence(StringBuilder text, RiskEvidence evidence, RiskVerdict verdict)
    {
        var reasons = 0;
        void Reason(StringBuilder text, string reason)
        {
            text.Append(reasons++ == 0 ? "Confidence is lowered because " : "; ").Append(reason);
        }

        if (evidence.DescriptionEmpty)
        {
            Reason(text, "the description is empty");
        }

        if (!verdict.Defaulted && evidence.ScoreOf(verdict.Category) < 0.75 * evidence.TotalScore)
        {
            Reason(text, "the signals disagree");
        }

        if (!verdict.Defaulted && evidence.TotalScore < RiskVerdict.EvidenceScale)
        {
            Reason(text, "there is little evidence");
        }

        foreach (var hint in verdict.IgnoredHints)
        {
            Reason(text, $"the server's {hint.Evidence} was not trusted, as the other signals do not agree with it");
        }

        if (reasons > 0)
        {
            text.Append(". ");
        }

        if (evidence.Tool.Annotations.OpenWorld == true)
        {
            text.Append("The server says it reaches systems outside itself (openWorldHint). ");
        }
    }

    private static void Describe(StringBuilder text, RiskSignal signal)
    {
        switch (signal.Kind)
        {
            case RiskSignalKinds.Name:
                text.Append('\'').Append(signal.Evidence).Append("' in its name");
                break;
            case RiskSignalKinds.Description:
                text.Append('\'').Append(signal.Evidence).Append("' in its description");
                break;
            case RiskSignalKinds.Negation:
                text.Append("its description saying \"").Append(signal.Evidence).Append('"');
                break;
            case RiskSignalKinds.InputSchema:
                text.Append("the input '").Append(signal.Evidence).Append('\'');
                break;
            case RiskSignalKinds.Annotation:
                text.Append("the server's hint ").Append(signal.Evidence);
                break;
            default:
                text.Append("a server described as \"").Append(signal.Evidence).Append(signal.Points switch
                {
                    RiskCategory.Execute => "\", which wraps a command line that this tool likely runs",
                    RiskCategory.Financial => "\", which handles money",
                    _ => "\"",
                });
                break;
        }
    }
}
