using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Web.Builder;
using Portcullis.Web.Components.Builder;

namespace Portcullis.Web.Tests;

/// <summary>The builder component on its own: what it shows for a policy, and how an edit changes the check, the preview and the save form.</summary>
public sealed class PolicyBuilderComponentTests : BunitContext
{
    private const string BriefPolicy = """
        {"version": "1", "default": "deny", "tools": {"code_generate": {"limits": [{"counter": "code_generate_rate", "window": "minute", "max": 10, "scope": "grant"}]}}}
        """;

    private static readonly BuilderTool[] s_tools =
    [
        new("code_generate", "Execute", "High", [new("args.description", "string"), new("args.iteration", "integer")], null),
        new("review_code", "Execute", "High", [new("args.code", "string")], null),
        new("describe_codebase", "Read", "Low", [], null),
    ];

    public PolicyBuilderComponentTests()
    {
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<AntiforgeryStateProvider, FixedAntiforgery>();
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void ThePolicy_IsShownPerTool_AndTheSaveFormCarriesItsJson()
    {
        var builder = Render();

        Assert.Contains("allowed, at most 10 a minute per grant", builder.Find("tbody").TextContent, StringComparison.Ordinal);
        Assert.Contains("denied (no rule, default deny)", builder.Find("tbody").TextContent, StringComparison.Ordinal);
        Assert.Equal("10", builder.Find("#r0-l0-max").GetAttribute("value"));
        Assert.Contains("\"code_generate_rate\"", builder.Find("input[name=text]").GetAttribute("value"), StringComparison.Ordinal);
        Assert.Null(builder.Find("button[type=submit]").GetAttribute("disabled"));
    }

    [Fact]
    public void AnInvalidEdit_IsReportedBesideTheRule_AndDisablesSave()
    {
        var builder = Render();

        builder.Find("#r0-l0-max").Input("-1");

        Assert.Contains("/tools/code_generate/limits/0/max", builder.Find("ul[aria-label='Problems in the rule for code_generate']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(builder.Find("button[type=submit]").GetAttribute("disabled"));
    }

    [Fact]
    public void StartingFromTheRecommendedPolicy_FillsARulePerToolFromItsRisk()
    {
        var builder = Render();

        builder.FindAll("button").Single(b => b.TextContent == "Start from the recommended policy").Click();
        builder.FindAll("button").Single(b => b.TextContent == "Show JSON").Click();

        var json = builder.Find("pre[aria-label='JSON preview']").TextContent;
        Assert.Contains("\"review_code_rate\"", json, StringComparison.Ordinal);
        Assert.Contains("\"describe_codebase\": {}", json, StringComparison.Ordinal);
        Assert.Contains("\"validate_args\": true", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AConditionOnAnIntegerArgument_TakesANumberBox_AndIsWrittenAsANumber()
    {
        var builder = Render();
        builder.FindAll("button").First(b => b.TextContent == "Add condition").Click();

        builder.Find("#r0-c0-path").Input("args.iteration");
        builder.Find("#r0-c0-op").Change("lte");
        builder.Find("#r0-c0-value").Input("3");

        Assert.Equal("number", builder.Find("#r0-c0-value").GetAttribute("type"));
        Assert.Contains("\"value\": 3", builder.Find("input[name=text]").GetAttribute("value"), StringComparison.Ordinal);
    }

    private IRenderedComponent<PolicyBuilder> Render() => Render<PolicyBuilder>(parameters => parameters
        .Add(p => p.ServerId, "codex")
        .Add(p => p.StartText, BriefPolicy)
        .Add(p => p.StartFormat, "json")
        .Add(p => p.LiveText, BriefPolicy)
        .Add(p => p.LiveVersion, 1)
        .Add(p => p.Tools, s_tools)
        .Add(p => p.CanSave, true));

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new("test-token", "__RequestVerificationToken");
    }
}
