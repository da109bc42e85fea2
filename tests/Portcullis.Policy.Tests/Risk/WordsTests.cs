using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

public sealed class WordsTests
{
    [Theory]
    [InlineData("delete_file", "delete file")]
    [InlineData("getUserProfile", "get user profile")]
    [InlineData("CreateIssue", "create issue")]
    [InlineData("run-shell-command", "run shell command")]
    [InlineData("getHTTPResponse_v2", "get http response v2")]
    [InlineData("fs.read_text", "fs read text")]
    [InlineData("browser_navigate_back", "browser navigate back")]
    [InlineData("__list__", "list")]
    public void OfIdentifier_AnyCase_SplitsIntoLowerCaseWords(string identifier, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Words.OfIdentifier(identifier)));
    }

    [Fact]
    public void OfProse_Sentences_AreNumberedAndApostrophesKept()
    {
        var words = Words.OfProse("Reads a file (e.g. config.json). It doesn’t modify it!\nRead-only.");

        string[] Sentence(int n) => Enumerable.Range(0, words.Count).Where(i => words.SentenceOf(i) == n).Select(words.WordAt).ToArray();
        Assert.Equal(["reads", "a", "file", "e", "g", "config", "json"], Sentence(0));
        Assert.Equal(["it", "doesn't", "modify", "it"], Sentence(1));
        Assert.Equal(["read", "only"], Sentence(2));
    }

    [Fact]
    public void FirstSentence_LongText_IsCutWithAnEllipsis()
    {
        Assert.Equal("Wraps the CLI.", Words.FirstSentence("  Wraps the CLI. Then more.", 100));
        Assert.Equal("abcd…", Words.FirstSentence("abcdefgh", 5));
    }
}
