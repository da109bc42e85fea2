namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double FirstVerbWeight = 1.2;
    private const double FirstSentenceVerbWeight = 0.4;
    private const double CoordinatedVerbWeight = 0.9;

    // How far after the verb before it a listed verb may come: "lists files and deletes" is three words on.
    private const int CoordinationReach = 3;
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
        var lastVerb = -1;
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

            if (RiskVocabulary.VerbSpans.TryGetValue(word, out var verb) && verb.Category is { } category && IsVerbHere(words, i, verb))
            {
                if (category != RiskCategory.Read && NegatorBefore(words, i) is { } negator)
                {
                    AddNegation(words, negator, i, NegationWeight, ref negatedCategories, category);
                    continue;
                }

                var weight = sentence > 0 ? LaterVerbWeight
                    : !firstVerbSeen ? FirstVerbWeight
                    : IsCoordinated(words, i, lastVerb) ? CoordinatedVerbWeight
                    : FirstSentenceVerbWeight;
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
                        Note(verb.Traits & ~VerbOnlyTraits, text);
                        verbs.Add(new FoundVerb(_signals.Count - 1, text, verb));
                    }
                }

                firstVerbSeen |= sentence == 0;
                lastVerb = i;
                continue;
            }

            if (RiskVocabulary.NounSpans.TryGetValue(word, out var noun) && NegatorBefore(words, i) is null)
            {
                // Only the first sentence's nouns say what the tool is about; later ones are often asides.
                if (sentence == 0 && noun.Traits != WordTraits.None)
                {
                    Note(noun.Traits, words.WordAt(i));
                }

                MoneyMentioned |= noun.Has(WordTraits.Money) && (Server.IsFinancial || !noun.Has(WordTraits.FinancialInMoneyContext));

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

    /// <summary>
    /// Whether a word that can be a verb is one where it stands. The first word of a sentence or of
    /// a clause is; elsewhere a base form is most often a noun (view commit history) unless a modal,
    /// "to" or a conjunction comes before it, an -s form is most often a plural noun (lists tags),
    /// and an -ed or -ing form an adjective (deleted files, existing tags).
    /// </summary>
    private static bool IsVerbHere(Prose words, int i, WordSense verb)
    {
        if (i == 0 || words.SentenceOf(i - 1) != words.SentenceOf(i))
        {
            return true;
        }

        // "completely overwrite": the word before the adverb decides.
        var before = words[i - 1];
        if (before.EndsWith("ly") && i > 1 && words.SentenceOf(i - 2) == words.SentenceOf(i))
        {
            before = words[i - 2];
        }

        if (!verb.Has(WordTraits.Inflected))
        {
            return words.FollowsSeparator(i) || before is "to" or "can" or "will" or "may" or "must" or "should" or "could" or "would"
                or "and" or "or" or "then" or "also" or "please" or "you" or "not" or "never" or "cannot" or "don't" or "won't"
                or "doesn't" or "optionally" or "first" or "directly";
        }

        if (verb.Has(WordTraits.ThirdPerson))
        {
            return before is "and" or "or" or "then" or "also" or "it" or "that" or "which" or "this" or "tool" or "only" or "never" or "not";
        }

        if (verb.Has(WordTraits.Past))
        {
            return before is "is" or "are" or "be" or "been" or "was" or "were" or "being" or "get" or "gets" or "permanently";
        }

        return before is "by" or "for" or "when" or "before" or "after" or "while" or "and" or "or" or "without" or "allows" or "supports" or "including";
    }

    /// <summary>
    /// A verb listed with the ones before it (get, set, or list; create or completely overwrite)
    /// counts nearly as much as the first: a tool that does several things is as risky as the
    /// riskiest of them. Listed means after a comma or slash right after the verb before, or after
    /// "and" or "or" close to it, or after "and" or "or" and an adverb, which only a verb follows.
    /// </summary>
    private static bool IsCoordinated(Prose words, int i, int lastVerb)
    {
        if (lastVerb < 0)
        {
            return false;
        }

        var j = i - 1;
        var adverb = j > lastVerb && words[j].EndsWith("ly");
        j -= adverb ? 1 : 0;
        if (j > lastVerb && (words.Is(j, "or") || words.Is(j, "and")))
        {
            return adverb || i - lastVerb <= CoordinationReach;
        }

        return j == lastVerb && words.FollowsSeparator(i);
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
