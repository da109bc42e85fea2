namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double FirstVerbWeight = 1.2;
    private const double FirstSentenceVerbWeight = 0.5;
    private const double LaterVerbWeight = 0.25;
    private const double FirstSentenceCap = 1.5;
    private const double LaterSentenceCap = 0.5;
    private const double DescriptionNounWeight = 0.4;
    private const double NegationWeight = 0.8;
    private const double ReadOnlyStatementWeight = 1.0;

    // How far back a negator reaches: "does not in any way modify" still negates modify.
    private const int NegationReach = 4;

    /// <summary>
    /// The first verb of the first sentence counts most, the rest of that sentence less, later
    /// sentences little. A verb a negator precedes ("does not modify") points to Read instead.
    /// Returns the verbs of the first sentence that counted.
    /// </summary>
    private List<FoundVerb> AddDescription()
    {
        var verbs = new List<FoundVerb>(2);
        if (string.IsNullOrWhiteSpace(Tool.Description))
        {
            DescriptionEmpty = true;
            return verbs;
        }

        var words = Words.OfProse(Tool.Description);
        Span<double> first = stackalloc double[CategoryCount];
        Span<double> later = stackalloc double[CategoryCount];
        Span<double> nouns = stackalloc double[CategoryCount];
        var firstVerbSeen = false;
        var negatedCategories = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var sentence = words.SentenceOf(i);
            if (IsReadOnlyStatement(words, i))
            {
                AddNegation(words, i, words.Is(i, "readonly") ? i : i + 1, ReadOnlyStatementWeight, ref negatedCategories, RiskCategory.Write);
                continue;
            }

            if (RiskVocabulary.VerbSpans.TryGetValue(word, out var verb) && verb.Category is { } category)
            {
                if (category != RiskCategory.Read && NegatorBefore(words, i) is { } negator)
                {
                    AddNegation(words, negator, i, NegationWeight, ref negatedCategories, category);
                    continue;
                }

                var weight = sentence == 0 ? (firstVerbSeen ? FirstSentenceVerbWeight : FirstVerbWeight) : LaterVerbWeight;
                var budget = sentence == 0 ? first : later;
                var cap = sentence == 0 ? FirstSentenceCap : LaterSentenceCap;
                weight = Math.Min(weight * verb.Strength, cap - budget[(int)category]);
                if (weight > 0)
                {
                    var text = words.WordAt(i);
                    budget[(int)category] += weight;
                    Add(new RiskSignal(RiskSignalKinds.Description, text, weight, category));
                    if (sentence == 0)
                    {
                        Note(verb.Traits & ~(WordTraits.RunsOnCli | WordTraits.FinancialInMoneyContext | WordTraits.ExecutesCode), text);
                        verbs.Add(new FoundVerb(_signals.Count - 1, text, verb));
                    }
                }

                firstVerbSeen |= sentence == 0;
                continue;
            }

            if (RiskVocabulary.NounSpans.TryGetValue(word, out var noun) && NegatorBefore(words, i) is null)
            {
                // Only the first sentence's nouns say what the tool is about; later ones are often asides.
                if (sentence == 0 && noun.Traits != WordTraits.None)
                {
                    Note(noun.Traits, words.WordAt(i));
                }

                if (noun.Category is { } nounCategory)
                {
                    var weight = Math.Min(DescriptionNounWeight * noun.Strength * (sentence == 0 ? 1 : 0.5), FirstSentenceCap - nouns[(int)nounCategory]);
                    if (weight > 0)
                    {
                        nouns[(int)nounCategory] += weight;
                        Add(new RiskSignal(RiskSignalKinds.Description, words.WordAt(i), weight, nounCategory));
                    }
                }
            }
        }

        return verbs;
    }

    // "read-only", "read only", "readonly", "no side effects", "non-destructive".
    private static bool IsReadOnlyStatement(Prose words, int i) =>
        (words.Is(i, "read") && words.Is(i + 1, "only"))
        || words.Is(i, "readonly")
        || (words.Is(i, "side") && (words.Is(i + 1, "effects") || words.Is(i + 1, "effect")) && (words.Is(i - 1, "no") || words.Is(i - 1, "without")))
        || (words.Is(i, "destructive") && words.Is(i - 1, "non"));

    private static int? NegatorBefore(Prose words, int i)
    {
        for (var j = i - 1; j >= 0 && j >= i - NegationReach && words.SentenceOf(j) == words.SentenceOf(i); j--)
        {
            if (RiskVocabulary.NegatorSpans.Contains(words[j]))
            {
                return j;
            }
        }

        return null;
    }

    // One Read signal per negated category: saying "does not modify" twice is no more evidence.
    private void AddNegation(Prose words, int from, int to, double weight, ref int negatedCategories, RiskCategory negated)
    {
        Negated = true;
        var bit = 1 << (int)negated;
        if ((negatedCategories & bit) != 0)
        {
            return;
        }

        negatedCategories |= bit;
        var start = from > 0 && words.SentenceOf(from - 1) == words.SentenceOf(from) && IsAuxiliary(words[from - 1]) ? from - 1 : from;
        Add(new RiskSignal(RiskSignalKinds.Negation, words.Phrase(start, to), weight, RiskCategory.Read));
    }

    private static bool IsAuxiliary(ReadOnlySpan<char> word) =>
        word is "does" or "do" or "will" or "can" or "should" or "is" or "are" or "it";
}
