using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Portcullis.Policy;
using Portcullis.Policy.Differences;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Serialization;
using Portcullis.Policy.Tests.Properties;
using Portcullis.Web.Builder;

namespace Portcullis.Web.Tests;

/// <summary>
/// A policy opened in the builder and saved untouched is the same policy: the draft keeps
/// everything the format can say, for the engine's own random policies and for the examples.
/// </summary>
public sealed class PolicyDraftRoundTripTests
{
    /// <summary>Argument types as a tool's schema might give them, so values are shown and written typed.</summary>
    private static readonly Dictionary<string, string> s_schemaTypes = new(StringComparer.Ordinal)
    {
        ["args.x"] = "string",
        ["args.y"] = "number",
        ["args.list"] = "array",
        ["args.obj.k"] = "boolean",
    };

    [Fact]
    public void ARandomPolicy_ReadIntoADraftAndWrittenBack_DecidesEveryCallAsBefore()
    {
        var cases = from policy in PolicyGenerators.Policy
                    from typed in Gen.Elements(false, true)
                    from calls in PolicyGenerators.Call.ArrayOf(8)
                    select (policy, typed, calls);
        Prop.ForAll(cases.ToArbitrary(), input =>
        {
            var original = Compile(input.policy.ToJson());
            var draft = PolicyDraftReader.Read(original.Document, input.typed ? (_, path) => s_schemaTypes.GetValueOrDefault(path, "") : (_, _) => "");
            var written = PolicyParser.Parse(PolicyDraftWriter.ToJson(draft), PolicyFormat.Json);
            Assert.True(written.Succeeded, string.Join("; ", written.Errors) + "\n" + PolicyDraftWriter.ToJson(draft));
            var changes = PolicyDiffer.Compare(AsTheBuilderWritesIt(original.Document), written.Policy.Document).Changes;
            Assert.True(changes.IsEmpty, string.Join("; ", changes) + "\n" + input.policy.ToJson() + "\n" + PolicyDraftWriter.ToJson(draft));
            foreach (var (tool, grant, hour, arguments) in input.calls)
            {
                using var args = JsonDocument.Parse(arguments);
                var call = new ToolCall("s", tool, args.RootElement, new PolicyGrant(grant), "session", new DateTimeOffset(2026, 11, 25, hour, 0, 0, TimeSpan.Zero));
                var (before, after) = (Decide(original, call), Decide(written.Policy, call));
                Assert.True(before == after, $"{tool} {arguments}: {before} → {after}\n{input.policy.ToJson()}\n{PolicyDraftWriter.ToJson(draft)}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("brief.json")]
    [InlineData("codex.json")]
    [InlineData("office-hours.yaml")]
    [InlineData("spend-quota.yaml")]
    public void AnExample_ReadIntoADraftAndWrittenBack_IsTheSameDocument(string name)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", name));
        var original = PolicyParser.Parse(text, PolicyParser.FormatOf(name)).Policy!.Document;

        var written = PolicyParser.Parse(PolicyDraftWriter.ToJson(PolicyDraftReader.Read(original, (_, _) => "")), PolicyFormat.Json);

        Assert.True(written.Succeeded, string.Join("; ", written.Errors));
        Assert.Equal(PolicyWriter.ToJson(original), PolicyWriter.ToJson(written.Policy.Document));
    }

    [Fact]
    public void WhatTheOperatorTyped_IsKept_SoTheParserNamesTheProblem()
    {
        var draft = new PolicyDraft();
        var rule = new ToolDraft { Name = "code_generate" };
        rule.Limits.Add(new LimitDraft { Counter = "code_generate_rate", Max = "ten", Window = "fortnight" });
        rule.Conditions.Add(new ConditionDraft { Path = "args.language", Op = "in", Value = "python, go", ValueType = "string" });
        rule.Conditions.Add(new ConditionDraft { Path = "args.iteration", Op = "lte", Value = "3", ValueType = "integer" });
        draft.Tools.Add(rule);

        var json = PolicyDraftWriter.ToJson(draft);
        var errors = PolicyParser.Parse(json, PolicyFormat.Json).Errors;

        Assert.Equal(["/tools/code_generate/limits/0/max", "/tools/code_generate/limits/0/window"], errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        using var document = JsonDocument.Parse(json);
        var require = document.RootElement.GetProperty("tools").GetProperty("code_generate").GetProperty("require");
        Assert.Equal(["python", "go"], require[0].GetProperty("value").Deserialize<string[]>()!);
        Assert.Equal(JsonValueKind.Number, require[1].GetProperty("value").ValueKind);
    }

    [Theory]
    [InlineData("string", "42", "\"42\"")]
    [InlineData("integer", "42", "42")]
    [InlineData("integer", "forty", "\"forty\"")]
    [InlineData("boolean", "true", "true")]
    [InlineData("", "true", "true")]
    [InlineData("", "python", "\"python\"")]
    [InlineData("", "\"42\"", "\"42\"")]
    [InlineData("string", " padded ", "\" padded \"")]
    public void AConditionValue_IsWrittenAsTheArgumentsSchemaTypesIt(string type, string typed, string expected)
    {
        var draft = new PolicyDraft();
        var rule = new ToolDraft { Name = "t" };
        rule.Conditions.Add(new ConditionDraft { Path = "args.v", Op = "eq", Value = typed, ValueType = type });
        draft.Tools.Add(rule);

        using var document = JsonDocument.Parse(PolicyDraftWriter.ToJson(draft));

        Assert.Equal(expected, document.RootElement.GetProperty("tools").GetProperty("t").GetProperty("require")[0].GetProperty("value").GetRawText());
    }

    /// <summary>
    /// The document as the builder says the same thing: an approval block that holds every call (no
    /// <c>when</c>) on an allowed tool is written with <c>action: require_approval</c>, and a denied
    /// tool, which is never held, keeps no approval settings.
    /// </summary>
    private static PolicyDocument AsTheBuilderWritesIt(PolicyDocument document) => document with
    {
        Tools = document.Tools.SetItems(document.Tools.Select(t => KeyValuePair.Create(t.Key, t.Value switch
        {
            { Action: ToolAction.Deny, Approval: not null } denied => denied with { Approval = null },
            { Action: null or ToolAction.Allow, Approval.When.IsEmpty: true } everyCall => everyCall with { Action = ToolAction.RequireApproval },
            var rule => rule,
        }))),
    };

    private static CompiledPolicy Compile(string json) => PolicyParser.Parse(json, PolicyFormat.Json) is { Succeeded: true } result
        ? result.Policy
        : throw new InvalidOperationException("The generator made an invalid policy: " + json);

    /// <summary>
    /// The decision described, evaluated again while a regular expression ran out of its 50 ms:
    /// that is the host's doing (a test run starved of CPU), not the policy's, and its reason
    /// names whichever rule timed out first.
    /// </summary>
    private static string Decide(CompiledPolicy policy, ToolCall call)
    {
        var described = Describe(policy.Evaluate(call));
        for (var attempt = 0; attempt < 5 && described.Contains("a regular expression ran out of time", StringComparison.Ordinal); attempt++)
        {
            described = Describe(policy.Evaluate(call));
        }

        return described;
    }

    private static string Describe(PolicyDecision decision) =>
        $"{decision.Outcome} shadow={decision.IsShadow} reason={decision.Reason} approval={decision.Approval is not null} " +
        string.Join(",", Enumerable.Range(0, decision.Limits.Count).Select(i => decision.Limits[i].Limit.Counter));
}
