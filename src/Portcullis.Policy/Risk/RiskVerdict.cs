namespace Portcullis.Policy.Risk;

/// <summary>
/// The decision drawn from a tool's evidence: the highest-risk category with enough weight behind
/// it, its severity, and a confidence that says how much the signals agreed and how much there was.
/// </summary>
internal sealed record RiskVerdict(
    RiskCategory Category,
    RiskSeverity Severity,
    double Confidence,
    bool Defaulted,
    IReadOnlyList<RiskSignal> IgnoredHints)
{
    /// <summary>A category qualifies with at least this share of the strongest category's score…</summary>
    internal const double QualifyingShare = 0.3;

    /// <summary>…and at least this much weight of its own (a name's verb alone is 1.5), unless it is the strongest.</summary>
    internal const double QualifyingScore = 1.0;

    /// <summary>The total weight at which evidence counts as plentiful (strength 1 − e⁻¹).</summary>
    internal const double EvidenceScale = 2.0;

    /// <summary>What an empty description leaves of the confidence.</summary>
    internal const double EmptyDescriptionFactor = 0.6;

    /// <summary>The confidence of a verdict with no evidence at all.</summary>
    internal const double DefaultConfidence = 0.2;

    /// <summary>What a tool with no evidence is taken to be: something that changes data, not something harmless.</summary>
    internal const RiskCategory DefaultCategory = RiskCategory.Write;

    public static RiskVerdict Decide(RiskEvidence evidence)
    {
        var defaulted = evidence.TotalScore <= 0;
        var category = defaulted ? DefaultCategory : Strongest(evidence);

        // Hints that lower the risk count only when the other signals already agree with them.
        var ignored = new List<RiskSignal>(0);
        foreach (var hint in evidence.LoweringHints)
        {
            var agrees = !defaulted && (hint.Points == category || (hint.Points == RiskCategory.Write && category < RiskCategory.Destructive));
            if (agrees)
            {
                evidence.Accept(hint with { Points = category });
            }
            else
            {
                ignored.Add(hint with { Weight = 0 });
            }
        }

        return new RiskVerdict(category, SeverityOf(category, evidence.Traits, evidence.Negated), ConfidenceOf(evidence, category, defaulted), defaulted, ignored);
    }

    private static RiskCategory Strongest(RiskEvidence evidence)
    {
        var max = 0.0;
        for (var c = RiskCategory.Read; c <= RiskCategory.Financial; c++)
        {
            max = Math.Max(max, evidence.ScoreOf(c));
        }

        for (var c = RiskCategory.Financial; c >= RiskCategory.Read; c--)
        {
            var score = evidence.ScoreOf(c);
            if (score >= QualifyingShare * max && (score >= QualifyingScore || score == max))
            {
                return c;
            }
        }

        return RiskCategory.Read;
    }

    private static RiskSeverity SeverityOf(RiskCategory category, WordTraits traits, bool negated)
    {
        bool Has(WordTraits trait) => (traits & trait) != 0;
        return category switch
        {
            RiskCategory.Read => Has(WordTraits.Sensitive | WordTraits.Personal | WordTraits.Money) ? RiskSeverity.Medium : RiskSeverity.Low,
            RiskCategory.Write => Has(WordTraits.Outbound | WordTraits.Sensitive | WordTraits.Money) ? RiskSeverity.High : RiskSeverity.Medium,
            RiskCategory.Execute => Has(WordTraits.Shell) ? RiskSeverity.Critical : negated ? RiskSeverity.Medium : RiskSeverity.High,
            RiskCategory.Destructive => Has(WordTraits.Sweeping) ? RiskSeverity.Critical : RiskSeverity.High,
            _ => Has(WordTraits.MoneyOut) ? RiskSeverity.Critical : RiskSeverity.High,
        };
    }

    private static double ConfidenceOf(RiskEvidence evidence, RiskCategory category, bool defaulted)
    {
        var confidence = DefaultConfidence;
        if (!defaulted)
        {
            var total = evidence.TotalScore;
            var agreement = evidence.ScoreOf(category) / total;
            var strength = 1 - Math.Exp(-total / EvidenceScale);
            confidence = agreement * (0.5 + 0.5 * strength);
        }

        if (evidence.DescriptionEmpty)
        {
            confidence *= EmptyDescriptionFactor;
        }

        return Math.Round(Math.Clamp(confidence, 0.05, 0.99), 2, MidpointRounding.AwayFromZero);
    }
}
