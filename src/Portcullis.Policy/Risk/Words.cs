namespace Portcullis.Policy.Risk;

/// <summary>Splits identifiers and prose into lower-case words.</summary>
internal static class Words
{
    /// <summary>
    /// The words of an identifier in snake, kebab, camel or Pascal case, or dotted:
    /// <c>getHTTPResponse_v2</c> gives get, http, response, v2.
    /// </summary>
    public static List<string> OfIdentifier(string identifier)
    {
        var words = new List<string>(4);
        var start = -1;
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush(identifier, ref start, i, words);
                continue;
            }

            if (start >= 0 && char.IsUpper(c))
            {
                var previous = identifier[i - 1];
                var nextIsLower = i + 1 < identifier.Length && char.IsLower(identifier[i + 1]);
                // A new word starts at an upper-case letter after a lower-case one (getFile), or at the
                // last capital of a run that a lower-case letter follows (HTTPResponse).
                if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextIsLower))
                {
                    Flush(identifier, ref start, i, words);
                }
            }

            if (start < 0)
            {
                start = i;
            }
        }

        Flush(identifier, ref start, identifier.Length, words);
        return words;
    }

    /// <summary>
    /// The words of a piece of prose, each with the sentence it is in (0 for the first). Apostrophes
    /// stay inside words (doesn't), hyphens split them (read-only gives read, only).
    /// </summary>
    public static List<(string Word, int Sentence)> OfProse(string text)
    {
        var words = new List<(string, int)>(Math.Min(text.Length / 5 + 1, 256));
        var sentence = 0;
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c) || (start >= 0 && c is '\'' or '’' && i + 1 < text.Length && char.IsLetter(text[i + 1])))
            {
                if (start < 0)
                {
                    start = i;
                }

                continue;
            }

            if (start >= 0)
            {
                words.Add((Normalise(text.AsSpan(start, i - start)), sentence));
                start = -1;
            }

            if (IsSentenceEnd(text, i) && words.Count > 0 && words[^1].Item2 == sentence)
            {
                sentence++;
            }
        }

        if (start >= 0)
        {
            words.Add((Normalise(text.AsSpan(start)), sentence));
        }

        return words;
    }

    /// <summary>The first sentence of <paramref name="text"/>, cut to <paramref name="max"/> characters.</summary>
    public static string FirstSentence(string text, int max)
    {
        var trimmed = text.AsSpan().Trim();
        for (var i = 0; i < trimmed.Length; i++)
        {
            if (IsSentenceEnd(trimmed, i))
            {
                trimmed = trimmed[..(trimmed[i] == '\n' ? i : i + 1)].TrimEnd();
                break;
            }
        }

        return trimmed.Length <= max ? trimmed.ToString() : string.Concat(trimmed[..(max - 1)].TrimEnd(), "…");
    }

    // A full stop, question or exclamation mark followed by a space or the end, or a line break.
    // "v1.2" does not end a sentence because no space follows the inner dot, nor does the last dot
    // of "e.g." or "etc." because a one-letter word or a known abbreviation precedes it.
    private static bool IsSentenceEnd(ReadOnlySpan<char> text, int i) => text[i] switch
    {
        '\n' => true,
        '!' or '?' or ';' => i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]),
        '.' => (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1])) && !EndsAbbreviation(text, i),
        _ => false,
    };

    private static bool EndsAbbreviation(ReadOnlySpan<char> text, int dot)
    {
        var start = dot;
        while (start > 0 && char.IsLetter(text[start - 1]))
        {
            start--;
        }

        var word = text[start..dot];
        return word.Length == 1 || word.Equals("etc", StringComparison.OrdinalIgnoreCase) || word.Equals("vs", StringComparison.OrdinalIgnoreCase)
            || word.Equals("approx", StringComparison.OrdinalIgnoreCase) || word.Equals("incl", StringComparison.OrdinalIgnoreCase);
    }

    private static void Flush(string identifier, ref int start, int end, List<string> words)
    {
        if (start >= 0)
        {
            words.Add(Normalise(identifier.AsSpan(start, end - start)));
            start = -1;
        }
    }

    private static string Normalise(ReadOnlySpan<char> word)
    {
        Span<char> lower = word.Length <= 64 ? stackalloc char[word.Length] : new char[word.Length];
        for (var i = 0; i < word.Length; i++)
        {
            lower[i] = word[i] == '’' ? '\'' : char.ToLowerInvariant(word[i]);
        }

        return new string(lower);
    }
}
