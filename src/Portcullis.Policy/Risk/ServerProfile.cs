namespace Portcullis.Policy.Risk;

/// <summary>
/// What a server's context says about its domain: whether it handles money, whether it wraps a
/// command line, and the words that showed it (quoted in rationales).
/// </summary>
internal sealed record ServerProfile(string? FinancialEvidence, string? CliEvidence)
{
    public static ServerProfile Empty { get; } = new(null, null);

    public bool IsFinancial => FinancialEvidence is not null;

    public bool WrapsCli => CliEvidence is not null;

    /// <summary>Reads the operator's description first, then the server's own name, title and instructions.</summary>
    public static ServerProfile Of(ServerContext server)
    {
        string? financial = null;
        string? cli = null;
        foreach (var text in new[] { server.Description, server.Name, server.Title, server.Instructions })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var words = Words.OfProse(text);
            for (var i = 0; i < words.Count && (financial is null || cli is null); i++)
            {
                if (financial is null && RiskVocabulary.FinancialDomainSpans.Contains(words[i]))
                {
                    financial = Quote(text, words.WordAt(i));
                }

                // "command line" and "command-line" are two words once split.
                if (cli is null && (RiskVocabulary.CliDomainSpans.Contains(words[i]) || (words.Is(i, "command") && words.Is(i + 1, "line"))))
                {
                    cli = Quote(text, words.WordAt(i));
                }
            }
        }

        return financial is null && cli is null ? Empty : new ServerProfile(financial, cli);
    }

    // The sentence of the server's text that holds the word, so the operator sees it in context.
    private static string Quote(string text, string word)
    {
        var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase);
        var start = at <= 0 ? 0 : LastSentenceStart(text, at);
        return Words.FirstSentence(text[start..], 160);
    }

    private static int LastSentenceStart(string text, int before)
    {
        for (var i = before - 1; i > 0; i--)
        {
            if (text[i] == '\n' || (text[i] is '.' or '!' or '?' && char.IsWhiteSpace(text[i + 1])))
            {
                return i + 1;
            }
        }

        return 0;
    }
}
