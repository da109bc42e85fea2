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
        var firstVerbSeen = false;
        var negatedCategories = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var (word, sentence) = words[i];
            if (IsReadOnlyStatement(words, i))
            {
                AddNegation(words, i, i + 1, ReadOnlyStatementWeight, ref negatedCategories, RiskCategory.Write);
                continue;
            }

            if (RiskVocabulary.Verbs.TryGetValue(word, out var verb) && verb.Category is { } category)
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
                    budget[(int)category] += weight;
                    Add(new RiskSignal(RiskSignalKinds.Description, word, weight, category));
                    if (sentence == 0)
                    {
                        Note(verb.Traits & ~(WordTraits.RunsOnCli | WordTraits.FinancialInMoneyContext | WordTraits.ExecutesCode), word);
                        verbs.Add(new FoundVerb(_signals.Count - 1, word, verb));
                    }
                }

                firstVerbSeen |= sentence == 0;
                continue;
            }

            if (RiskVocabulary.Nouns.TryGetValue(word, out var noun) && NegatorBefore(words, i) is null)
            {
                // Only the first sentence's nouns say what the tool is about; later ones are often asides.
                if (sentence == 0)
                {
                    Note(noun.Traits, word);
                }

                if (noun.Category is { } nounCategory && later[(int)nounCategory] + first[(int)nounCategory] < FirstSentenceCap)
                {
                    var weight = DescriptionNounWeight * noun.Strength * (sentence == 0 ? 1 : 0.5);
                    first[(int)nounCategory] += weight;
                    Add(new RiskSignal(RiskSignalKinds.Description, word, weight, nounCategory));
                }
            }
        }

        return verbs;
    }

    // "read-only", "read only", "readonly", "no side effects", "non-destructive".
    private static bool IsReadOnlyStatement(List<(string Word, int Sentence)> words, int i)
    {
        var word = words[i].Word;
        var next = i + 1 < words.Count ? words[i + 1].Word : null;
        var previous = i > 0 ? words[i - 1].Word : null;
        return (word == "read" && next == "only")
            || word == "readonly"
            || (word == "side" && next is "effects" or "effect" && previous is "no" or "without")
            || (word == "destructive" && previous == "non");
    }

    private static int? NegatorBefore(List<(string Word, int Sentence)> words, int i)
    {
        for (var j = i - 1; j >= 0 && j >= i - NegationReach && words[j].Sentence == words[i].Sentence; j--)
        {
            if (RiskVocabulary.Negators.Contains(words[j].Word))
            {
                return j;
            }
        }

        return null;
    }

    // One Read signal per negated category: saying "does not modify" twice is no more evidence.
    private void AddNegation(List<(string Word, int Sentence)> words, int from, int to, double weight, ref int negatedCategories, RiskCategory negated)
    {
        Negated = true;
        var bit = 1 << (int)negated;
        if ((negatedCategories & bit) != 0)
        {
            return;
        }

        negatedCategories |= bit;
        var start = from > 0 && words[from - 1].Sentence == words[from].Sentence && IsAuxiliary(words[from - 1].Word) ? from - 1 : from;
        var phrase = string.Join(' ', words.Skip(start).Take(to - start + 1).Select(w => w.Word));
        Add(new RiskSignal(RiskSignalKinds.Negation, phrase, weight, RiskCategory.Read));
    }

    private static bool IsAuxiliary(string word) => word is "does" or "do" or "will" or "can" or "should" or "is" or "are" or "it";
}
