namespace Portcullis.Policy.Risk;

/// <summary>
/// A piece of prose in lower case, split into words that are read as spans of it, so that looking
/// words up in the word tables allocates nothing. Each word knows its sentence (0 for the first).
/// </summary>
internal sealed class Prose
{
    // What separates the items of a list or the parts of a heading: "get, set / list", "Notion | Query".
    private static readonly System.Buffers.SearchValues<char> s_separators = System.Buffers.SearchValues.Create(",/|:");

    private readonly string _lower;
    private readonly List<(int Start, int Length, int Sentence)> _words;

    public Prose(string lower, List<(int Start, int Length, int Sentence)> words)
    {
        _lower = lower;
        _words = words;
    }

    public int Count => _words.Count;

    public ReadOnlySpan<char> this[int index] => _lower.AsSpan(_words[index].Start, _words[index].Length);

    public int SentenceOf(int index) => _words[index].Sentence;

    /// <summary>True when <paramref name="index"/> is a word of the prose and equals <paramref name="word"/>.</summary>
    public bool Is(int index, string word) => index >= 0 && index < _words.Count && this[index].SequenceEqual(word);

    /// <summary>True when a comma, slash, bar or colon stands between the word and the one before it (get, set / list).</summary>
    public bool FollowsSeparator(int index)
    {
        if (index == 0)
        {
            return false;
        }

        var (start, length, _) = _words[index - 1];
        var between = _lower.AsSpan(start + length, _words[index].Start - start - length);
        return between.IndexOfAny(s_separators) >= 0;
    }

    public string WordAt(int index) => this[index].ToString();

    /// <summary>The words from <paramref name="from"/> to <paramref name="to"/>, inclusive, joined by spaces.</summary>
    public string Phrase(int from, int to)
    {
        var words = new string[to - from + 1];
        for (var i = from; i <= to; i++)
        {
            words[i - from] = WordAt(i);
        }

        return string.Join(' ', words);
    }
}
