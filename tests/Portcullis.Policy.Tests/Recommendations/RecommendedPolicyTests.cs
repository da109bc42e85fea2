using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Recommendations;
using Portcullis.Policy.Risk;
using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Recommendations;

public sealed class RecommendedPolicyTests
{
    private static readonly Dictionary<string, RiskCategory> s_tools = new(StringComparer.Ordinal)
    {
        ["read_file"] = RiskCategory.Read,
        ["write_file"] = RiskCategory.Write,
        ["code_generate"] = RiskCategory.Execute,
        ["delete_repository"] = RiskCategory.Destructive,
        ["transfer_funds"] = RiskCategory.Financial,
    };

    [Fact]
    public void For_ExecuteTool_IsTheBriefsRuleWithArgumentValidation()
    {
        var policy = RecommendedPolicy.For([KeyValuePair.Create("code_generate", RiskCategory.Execute)]);

        Assert.Equal(
            Policies.Compile(BriefWithValidation).Document.Tools["code_generate"],
            policy.Tools["code_generate"],
            new ToolRuleComparer());
        Assert.Equal(DefaultAction.Deny, policy.Default);
    }

    [Theory]
    [InlineData("read_file", PolicyOutcome.Allow, 0)]
    [InlineData("write_file", PolicyOutcome.Allow, 30)]
    [InlineData("delete_repository", PolicyOutcome.RequireApproval, 0)]
    [InlineData("transfer_funds", PolicyOutcome.RequireApproval, 5)]
    [InlineData("unlisted_tool", PolicyOutcome.Deny, 0)]
    public void For_EachCategory_DecidesAsDocumented_AfterARoundTripThroughJsonAndYaml(string tool, PolicyOutcome outcome, long max)
    {
        var document = RecommendedPolicy.For(s_tools);

        foreach (var policy in new[] { Policies.Compile(PolicyWriter.ToJson(document)), Policies.CompileYaml(PolicyYamlWriter.ToYaml(document)) })
        {
            var decision = policy.Evaluate(Policies.Call(tool));
            Assert.Equal(outcome, decision.Outcome);
            Assert.Equal(max, decision.Limits.Count == 0 ? 0 : decision.Limits[0].Max);
            if (max > 0)
            {
                Assert.Equal(LimitScope.Grant, decision.Limits[0].Limit.Scope);
                Assert.Equal(tool + "_rate", decision.Limits[0].Limit.Counter);
            }
        }
    }

    [Fact]
    public void RuleFor_FinancialTool_WaitsForApproval_AndIsCappedPerHour()
    {
        var rule = RecommendedPolicy.RuleFor("transfer_funds", RiskCategory.Financial);

        Assert.Equal(ToolAction.RequireApproval, rule.Action);
        var limit = Assert.Single(rule.Limits);
        Assert.Equal((3600L, 5L, LimitScope.Grant), (limit.WindowSeconds, limit.Max, limit.Scope));
    }

    private const string BriefWithValidation = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": {
              "limits": [{ "counter": "code_generate_rate", "window": "minute", "max": 10, "scope": "grant" }],
              "validate_args": true
            }
          }
        }
        """;

    /// <summary>Rules hold immutable arrays, which records compare by reference: compare their canonical JSON instead.</summary>
    private sealed class ToolRuleComparer : IEqualityComparer<ToolRule>
    {
        public bool Equals(ToolRule? x, ToolRule? y) => Json(x!) == Json(y!);

        public int GetHashCode(ToolRule obj) => Json(obj).GetHashCode(StringComparison.Ordinal);

        private static string Json(ToolRule rule) => PolicyWriter.ToJson(new PolicyDocument { Tools = new PolicyDocument().Tools.Add("t", rule) });
    }
}
