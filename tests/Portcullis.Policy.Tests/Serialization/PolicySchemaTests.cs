using System.Text.Json.Nodes;
using Json.Schema;
using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Serialization;

/// <summary>docs/policy.schema.json agrees with the parser on the documented examples and on bad policies.</summary>
public sealed class PolicySchemaTests
{
    private static readonly JsonSchema s_schema =
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "policy.schema.json")));

    public static TheoryData<string> Examples() => [.. ExampleNames()];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_ParsesAndSatisfiesTheSchema(string name)
    {
        var text = Policies.Example(name);
        var format = PolicyParser.FormatOf(name);
        var policy = Policies.Compile(text, format);

        if (format == PolicyFormat.Json)
        {
            AssertValid(text);
        }

        AssertValid(PolicyWriter.ToJson(policy.Document));
    }

    [Fact]
    public void Examples_CoverEveryTopLevelKeyAndOperatorOfTheSchema()
    {
        var all = string.Concat(ExampleNames().Select(Policies.Example));
        foreach (var key in new[] { "version", "default", "mode", "hide", "all_tools", "tools", "action", "reason", "require", "deny_if",
                     "on_deny", "rate_limit", "limits", "increment_from", "algorithm", "approval", "when", "timeout", "on_timeout" })
        {
            Assert.Contains(key, all, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"version": "1", "defualt": "deny"}""")]
    [InlineData("""{"version": "2"}""")]
    [InlineData("""{"tools": {}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"limits": [{"counter": "c", "window": "minute", "max": 0}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"require": [{"path": "args.x", "op": "startswith", "value": "a"}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"require": [{"path": "env.HOME", "op": "exists"}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"require": [{"path": "args.x", "op": "in", "value": "a"}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"require": [{"path": "args.x", "op": "exists", "value": 1}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"limits": [{"counter": "c", "window": "fortnight", "max": 1}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"limits": [{"counter": "c", "window": "day", "max": 1, "increment_from": "tool.name"}]}}}""")]
    [InlineData("""{"version": "1", "tools": {"t": {"limits": [{"counter": "c", "window": "day", "max": 1, "algorithm": "leaky"}]}}}""")]
    public void BadPolicy_IsRejectedByBothSchemaAndParser(string text)
    {
        Assert.False(Evaluate(text).IsValid);
        Assert.NotEmpty(Policies.Errors(text));
    }

    private static IEnumerable<string> ExampleNames() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples")).Select(Path.GetFileName).OfType<string>().Order();

    private static void AssertValid(string json)
    {
        var result = Evaluate(json);
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static EvaluationResults Evaluate(string json) =>
        s_schema.Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });
}
