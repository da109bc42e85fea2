namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double NameVerbWeight = 1.5;
    private const double JoinedVerbWeight = 1.0;
    private const double NameNounWeight = 0.8;
    private const double TitleVerbWeight = 0.8;

    // Traits that say how to read a verb, not what the tool does.
    private const WordTraits VerbOnlyTraits = WordTraits.RunsOnCli | WordTraits.FinancialInMoneyContext | WordTraits.ExecutesCode
        | WordTraits.DestroysStores | WordTraits.Inflected;

    // Verbs a run-together lower-case name (listfiles, getuser) may begin with.
    private static readonly string[] s_runTogetherPrefixes =
        ["get", "list", "read", "search", "find", "fetch", "create", "add", "update", "set", "delete", "remove", "run", "exec", "send", "write"];

    /// <summary>
    /// The verb of the name (the first word the verb table knows) counts most; a second verb counts
    /// only when joined to it (get_or_create). After the first word, only a verb's base form is a
    /// verb (network_requests is a noun). An HTTP method followed by a verb (post_search) is a
    /// method, and the verb after it decides. Nouns say what the verb acts on. Returns the verbs found.
    /// </summary>
    private List<FoundVerb> AddName()
    {
        var words = SplitName(Tool.Name);
        var verbs = new List<FoundVerb>(2);
        var verbIndex = -1;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (RiskVocabulary.Verbs.TryGetValue(word, out var verb) && verb.Category is { } category
                && (i == 0 || (!verb.Has(WordTraits.ThirdPerson) && verb.Strength >= 1)) && !IsHttpMethodBeforeVerb(words, i))
            {
                var joined = verbIndex >= 0 && i > 0 && words[i - 1] is "and" or "or" or "then";
                if (verbIndex < 0 || joined)
                {
                    Add(new RiskSignal(RiskSignalKinds.Name, word, (verbIndex < 0 ? NameVerbWeight : JoinedVerbWeight) * verb.Strength, category));
                    Note(verb.Traits & ~VerbOnlyTraits, word);
                    verbs.Add(new FoundVerb(_signals.Count - 1, word, verb));
                    if (verbIndex < 0)
                    {
                        verbIndex = i;
                    }

                    continue;
                }
            }

            if (RiskVocabulary.Nouns.TryGetValue(word, out var noun))
            {
                Note(noun.Traits, word);
                if (noun.Category is { } nounCategory)
                {
                    Add(new RiskSignal(RiskSignalKinds.Name, word, NameNounWeight * noun.Strength, nounCategory));
                }
            }
        }

        return verbs;
    }

    private static bool IsHttpMethodBeforeVerb(List<string> words, int i) =>
        i > 0 && IsHttpMethod(words[i]) && i + 1 < words.Count && RiskVocabulary.Verbs.TryGetValue(words[i + 1], out var next) && !next.Has(WordTraits.Inflected);

    // The methods that name a change; GET reads whatever follows it.
    private static bool IsHttpMethod(ReadOnlySpan<char> word) => word is "post" or "put" or "patch";

    private void AddTitle()
    {
        if (string.IsNullOrWhiteSpace(Tool.Title))
        {
            return;
        }

        var words = Words.OfProse(Tool.Title);
        for (var i = 0; i < words.Count; i++)
        {
            // In a title too, "Post Search" is a POST that searches.
            if (RiskVocabulary.VerbSpans.TryGetValue(words[i], out var verb) && verb.Category is { } category
                && !(IsHttpMethod(words[i]) && i + 1 < words.Count && RiskVocabulary.VerbSpans.ContainsKey(words[i + 1])))
            {
                Add(new RiskSignal(RiskSignalKinds.Name, $"{words.WordAt(i)} (title \"{Tool.Title}\")", TitleVerbWeight * verb.Strength, category));
                return;
            }
        }
    }

    private static List<string> SplitName(string name)
    {
        var words = Words.OfIdentifier(name);
        if (words.Count == 1 && !RiskVocabulary.Verbs.ContainsKey(words[0]))
        {
            foreach (var prefix in s_runTogetherPrefixes)
            {
                if (words[0].Length > prefix.Length + 2 && words[0].StartsWith(prefix, StringComparison.Ordinal))
                {
                    return [prefix, words[0][prefix.Length..]];
                }
            }
        }

        return words;
    }
}
