using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Serialization;

public sealed class PolicyYamlWriterTests
{
    [Fact]
    public void ToYaml_EveryKeyOfTheExamples_ReadsBackAsTheSameDocument()
    {
        foreach (var name in new[] { "codex.json", "brief.json" })
        {
            var document = Policies.Compile(Policies.Example(name)).Document;

            var yaml = PolicyYamlWriter.ToYaml(document);

            Assert.Equal(PolicyWriter.ToJson(document), PolicyWriter.ToJson(Policies.CompileYaml(yaml).Document));
        }
    }

    [Fact]
    public void ToYaml_StringsYamlWouldReadAsSomethingElse_AreQuoted()
    {
        var document = Policies.Compile("""
            {"version": "1", "default": "allow", "hide": ["yes", "1", "on", "null", "a: b", "#x", "*", "-", "plain_name"],
             "tools": {"x\u2028default: allow": {}, "y\u0085z\r": {}, "\u001b[2J": {}, "no": {"deny_if": [{"conditions": [{"path": "args.x", "op": "in", "value": ["true", "0x1F", "", " padded", "line\nbreak"]}],
                                          "on_deny": "Don't: it's \"quoted\"."}]}}}
            """).Document;

        var yaml = PolicyYamlWriter.ToYaml(document);

        Assert.Equal(PolicyWriter.ToJson(document), PolicyWriter.ToJson(Policies.CompileYaml(yaml).Document));
        Assert.Contains("version: \"1\"", yaml, StringComparison.Ordinal);
        Assert.Contains("- plain_name", yaml, StringComparison.Ordinal);
        Assert.Contains("\"no\":", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_Comments_AreWrittenAboveTheDocumentAndEachNamedTool()
    {
        var document = Policies.Compile("""{"version": "1", "tools": {"a": {}, "b": {"action": "deny"}}}""").Document;

        var yaml = PolicyYamlWriter.ToYaml(document, "Made for a test.\nSecond line.", new Dictionary<string, string> { ["b"] = "Denied: risky." });

        Assert.StartsWith("# Made for a test.\n# Second line.\nversion: \"1\"\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  a: {}\n  # Denied: risky.\n  b:\n    action: deny\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(PolicyWriter.ToJson(document), PolicyWriter.ToJson(Policies.CompileYaml(yaml).Document));
    }

    [Theory]
    [InlineData("\rdefault: allow")]
    [InlineData("\u0085default: allow")]
    [InlineData("\u2028default: allow")]
    [InlineData("\u2029tools: {}")]
    [InlineData("\u001b[2Jdefault: allow")]
    public void ToYaml_ACommentCannotEndEarly_AndAddKeys(string hostile)
    {
        var document = Policies.Compile("""{"version": "1", "default": "deny", "tools": {"a": {"action": "deny"}}}""").Document;

        var yaml = PolicyYamlWriter.ToYaml(document, "Server says: " + hostile, new Dictionary<string, string> { ["a"] = "Evidence: " + hostile });

        Assert.Equal(PolicyWriter.ToJson(document), PolicyWriter.ToJson(Policies.CompileYaml(yaml).Document));
        Assert.DoesNotContain(yaml, c => char.IsControl(c) && c != '\n');
    }
}
