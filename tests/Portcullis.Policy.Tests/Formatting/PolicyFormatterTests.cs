using Portcullis.Policy.Formatting;
using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Formatting;

public sealed class PolicyFormatterTests
{
    public static TheoryData<string> Examples => [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples")).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Format_EveryExample_ParsesToTheSameDocument_AndIsStable(string name)
    {
        var text = Policies.Example(name);
        var format = PolicyParser.FormatOf(name);

        // Some examples explain a key in a comment beside it, which formatting cannot keep; the document must not change.
        var formatted = PolicyFormatter.Format(text, format, dropComments: true);

        Assert.True(formatted.Succeeded, string.Join("\n", formatted.Errors));
        Assert.Equal(Canonical(text, format), Canonical(formatted.Text, format));
        var again = PolicyFormatter.Format(formatted.Text, format);
        Assert.Equal(formatted.Text, again.Text);
    }

    [Fact]
    public void Format_Yaml_OrdersKeys_SortsTools_KeepsValuesAsWritten_AndTheHeaderComment()
    {
        const string Text = """
            # Shell generation is refused.

            tools:
              zeta: {}
              code_generate:
                approval: { timeout: 10m, when: [{ value: 3, op: gt, path: args.iteration }] }
                limits:
                  - { algorithm: sliding, max: 10, window: 60, counter: rate }
                deny_if:
                  - on_deny: "No shells."
                    conditions: [{ op: in, path: args.language, value: [bash, "true", "10"] }]
            default: deny
            version: "1"
            """;

        var formatted = PolicyFormatter.Format(Text, PolicyFormat.Yaml);

        Assert.True(formatted.Succeeded, string.Join("\n", formatted.Errors));
        Assert.Equal("""
            # Shell generation is refused.
            version: "1"
            default: deny
            tools:
              code_generate:
                deny_if:
                  - conditions:
                      - {path: args.language, op: in, value: [bash, "true", "10"]}
                    on_deny: No shells.
                limits:
                  - {counter: rate, window: 60, max: 10, algorithm: sliding}
                approval:
                  when:
                    - {path: args.iteration, op: gt, value: 3}
                  timeout: 10m
              zeta: {}

            """.Replace("\r\n", "\n", StringComparison.Ordinal), formatted.Text);
    }

    [Fact]
    public void Format_Json_OrdersKeys_AndIndentsByTwo()
    {
        const string Text = """{"tools": {"b": {"reason": "No.", "action": "deny"}, "a": {}}, "version": "1", "hide": ["x*"]}""";

        var formatted = PolicyFormatter.Format(Text, PolicyFormat.Json);

        Assert.Equal("""
            {
              "version": "1",
              "hide": [
                "x*"
              ],
              "tools": {
                "a": {},
                "b": {
                  "action": "deny",
                  "reason": "No."
                }
              }
            }

            """.Replace("\r\n", "\n", StringComparison.Ordinal), formatted.Text);
    }

    [Fact]
    public void Format_YamlWithACommentBelowTheHeader_IsRefused_UnlessCommentsAreDropped()
    {
        const string Text = "# header\nversion: \"1\"\ntools:\n  a: {}  # allowed for the demo\n";

        var refused = PolicyFormatter.Format(Text, PolicyFormat.Yaml);
        var dropped = PolicyFormatter.Format(Text, PolicyFormat.Yaml, dropComments: true);

        var error = Assert.Single(refused.Errors);
        Assert.Equal(4, error.Position.Line);
        Assert.Contains("comments below its opening comment block", error.Message, StringComparison.Ordinal);
        Assert.Equal("# header\nversion: \"1\"\ntools:\n  a: {}\n", dropped.Text);
    }

    [Fact]
    public void Format_AnInvalidPolicy_ReturnsItsErrors()
    {
        var result = PolicyFormatter.Format("""{"version": "1", "tools": {"a": {"actoin": "deny"}}}""", PolicyFormat.Json);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Path == "/tools/a/actoin" && e.Hint!.Contains("Did you mean 'action'?", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("null")]
    [InlineData("1e3")]
    [InlineData("*_write")]
    [InlineData("a: b")]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public void Format_Yaml_QuotesStringsThatWouldReadAsSomethingElse(string value)
    {
        var text = """{"version": "1", "tools": {"a": {"action": "deny", "reason": """ + System.Text.Json.JsonSerializer.Serialize(value) + "}}}";
        var yaml = PolicyFormatter.Format(Yamlify(text), PolicyFormat.Yaml);

        Assert.True(yaml.Succeeded, string.Join("\n", yaml.Errors));
        Assert.Equal(value, Policies.CompileYaml(yaml.Text).Document.Tools["a"].Reason);
    }

    /// <summary>JSON is YAML: a JSON document read as YAML, then formatted as YAML.</summary>
    private static string Yamlify(string json) => json;

    private static string Canonical(string text, PolicyFormat format) => PolicyWriter.ToJson(Policies.Compile(text, format).Document);
}
