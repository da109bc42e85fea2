using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Serialization;

public sealed class PolicyWriterTests
{
    [Fact]
    public void ToJson_BriefShortForms_AreWrittenCanonically()
    {
        var policy = Policies.CompileYaml("""
            version: 1
            tools:
              t:
                rate_limit: { max: 10, window: 60 }
                approval: { timeout: 600 }
            """);

        var json = PolicyWriter.ToJson(policy.Document);

        Assert.Contains("\"default\": \"deny\"", json, StringComparison.Ordinal);
        Assert.Contains("\"window\": \"minute\"", json, StringComparison.Ordinal);
        Assert.Contains("\"scope\": \"session\"", json, StringComparison.Ordinal);
        Assert.Contains("\"counter\": \"t.rate_limit\"", json, StringComparison.Ordinal);
        Assert.Contains("\"timeout\": \"10m\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_AndJson_OfTheSamePolicy_CompileToTheSameDocument()
    {
        var fromJson = Policies.Compile(Policies.Example("codex.json"));
        var fromYaml = Policies.CompileYaml("""
            version: "1"
            default: deny
            mode: enforce
            hide: [delete_*]
            all_tools:
              limits: [{ counter: all_calls, window: hour, max: 500, scope: grant }]
            tools:
              review_code: {}
              code_generate:
                limits: [{ counter: code_generate_rate, window: minute, max: 10, scope: grant }]
                deny_if:
                  - conditions: [{ path: args.language, op: in, value: [bash, powershell] }]
                    on_deny: Shell generation is not allowed.
                approval:
                  when: [{ path: args.iteration, op: gt, value: 3 }]
                  timeout: 10m
              describe_codebase: { action: deny, reason: Reads arbitrary local paths. }
            """);

        Assert.Equal(PolicyWriter.ToJson(fromJson.Document), PolicyWriter.ToJson(fromYaml.Document));
    }

    [Theory]
    [InlineData("value: \"10\"", "\"10\"")]
    [InlineData("value: 10", "10")]
    [InlineData("value: 1.50", "1.50")]
    [InlineData("value: true", "true")]
    [InlineData("value: 'true'", "\"true\"")]
    [InlineData("value: ~", "null")]
    [InlineData("value: .5", "0.5")]
    [InlineData("value: 0x1F", "\"0x1F\"")]
    public void Yaml_PlainScalars_FollowTheCoreSchema(string value, string json)
    {
        var policy = Policies.CompileYaml($$"""
            version: "1"
            tools:
              t:
                require:
                  - path: args.x
                    op: eq
                    {{value}}
            """);

        Assert.Equal(json, policy.Document.Tools["t"].Require[0].Value!.Value.GetRawText());
    }
}
