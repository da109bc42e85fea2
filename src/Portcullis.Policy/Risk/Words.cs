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
        Span<Range> ranges = stackalloc Range[MaxIdentifierWords];
        var count = Split(identifier, ranges);
        var words = new List<string>(count);
        Span<char> buffer = stackalloc char[MaxWordLength];
        for (var i = 0; i < count; i++)
        {
            words.Add(Lower(identifier.AsSpan()[ranges[i]], buffer).ToString());
        }

        return words;
    }

    /// <summary>The words an identifier can have; the rest are not read.</summary>
    public const int MaxIdentifierWords = 16;

    /// <summary>The longest word looked up; a longer one is cut (no table word is that long).</summary>
    public const int MaxWordLength = 40;

    /// <summary>Writes where each word of <paramref name="identifier"/> is into <paramref name="ranges"/>; returns how many.</summary>
    public static int Split(ReadOnlySpan<char> identifier, Span<Range> ranges)
    {
        var count = 0;
        var start = -1;
        for (var i = 0; i < identifier.Length && count < ranges.Length; i++)
        {
            var c = identifier[i];
            if (!char.IsLetterOrDigit(c))
            {
                if (start >= 0)
                {
                    ranges[count++] = new Range(start, i);
                    start = -1;
                }

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
                    ranges[count++] = new Range(start, i);
                    start = -1;
                }
            }

            if (start < 0 && count < ranges.Length)
            {
                start = i;
            }
        }

        if (start >= 0 && count < ranges.Length)
        {
            ranges[count++] = new Range(start, identifier.Length);
        }

        return count;
    }

    /// <summary><paramref name="word"/> in lower case, in <paramref name="buffer"/> (cut to its length).</summary>
    public static ReadOnlySpan<char> Lower(ReadOnlySpan<char> word, Span<char> buffer)
    {
        var length = Math.Min(word.Length, buffer.Length);
        for (var i = 0; i < length; i++)
        {
            buffer[i] = word[i] == '’' ? '\'' : char.ToLowerInvariant(word[i]);
        }

        return buffer[..length];
    }

    /// <summary>
    /// The words of a piece of prose, each with its sentence. Apostrophes stay inside words
    /// (doesn't), hyphens split them (read-only gives read, only).
    /// </summary>
    public static Prose OfProse(string text)
    {
        var lower = text.ToLowerInvariant();
        if (lower.Contains('’', StringComparison.Ordinal))
        {
            lower = lower.Replace('’', '\'');
        }

        var words = new List<(int, int, int)>(Math.Min(text.Length / 5 + 1, 256));
        var sentence = 0;
        var start = -1;
        var sentenceHasWords = false;
        for (var i = 0; i < lower.Length; i++)
        {
            var c = lower[i];
            if (char.IsLetterOrDigit(c) || (start >= 0 && c == '\'' && i + 1 < lower.Length && char.IsLetter(lower[i + 1])))
            {
                if (start < 0)
                {
                    start = i;
                }

                continue;
            }

            if (start >= 0)
            {
                words.Add((start, i - start, sentence));
                sentenceHasWords = true;
                start = -1;
            }

            if (sentenceHasWords && IsSentenceEnd(lower, i))
            {
                sentence++;
                sentenceHasWords = false;
            }
        }

        if (start >= 0)
        {
            words.Add((start, lower.Length - start, sentence));
        }

        return new Prose(lower, words);
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
    public static bool IsSentenceEnd(ReadOnlySpan<char> text, int i) => text[i] switch
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
}
