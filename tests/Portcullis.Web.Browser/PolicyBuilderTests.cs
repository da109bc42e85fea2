using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portcullis.Cli.Demo;
using Portcullis.Policy;
using Portcullis.Policy.Serialization;
using Portcullis.Storage.Policies;

namespace Portcullis.Web.Browser;

/// <summary>
/// The policy builder, used as an operator would: a policy built with the mouse and keyboard, saved,
/// and enforced on calls made by the official TypeScript MCP client. The tests share the builder's
/// server and run one after another.
/// </summary>
[Collection(nameof(PolicyBuilderTests))]
public sealed partial class PolicyBuilderTests(AdminUiFixture fixture)
{
    /// <summary>The policy from the product brief, verbatim.</summary>
    private const string BriefPolicy = DemoConfig.BriefPolicy;

    private const string CodeGenerateArguments = """{"description": "a function that adds two numbers"}""";

    [Fact]
    public async Task TheBriefsPolicy_BuiltVisuallyAndSaved_DeniesTheEleventhCall()
    {
        // Listing through the gateway pins the demo's tools, so the builder offers them.
        await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.BuilderServerId, "review_code", "{}", 0);
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken);

        await page.GetByLabel("Tools without a rule").SelectOptionAsync("deny");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove rule for review_code" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule for code_generate" }).ClickAsync();
        var rule = page.GetByRole(AriaRole.Region, new() { Name = "code_generate" });
        await rule.GetByLabel("Action").SelectOptionAsync("Allow");
        await rule.GetByRole(AriaRole.Button, new() { Name = "Add limit" }).ClickAsync();
        await rule.GetByLabel("Counter").FillAsync("code_generate_rate");
        await rule.GetByLabel("Max calls").FillAsync("10");
        await rule.GetByLabel("Window").SelectOptionAsync("minute");
        await rule.GetByLabel("Scope").SelectOptionAsync("grant");
        await Assertions.Expect(page.GetByText("The draft is a valid policy.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Changes against the live version" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Changes against the live version")).ToContainTextAsync("code_generate");

        await Screenshots.SaveAsync(page, "policy-builder");
        await page.GetByLabel("Comment").FillAsync("The brief's policy: code_generate capped at 10 a minute per grant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved version" })).ToBeVisibleAsync();

        // What was saved is the brief's policy: the same document, and the admin is named in the history.
        var saved = (await fixture.State.Policies.LatestAsync(AdminUiFixture.BuilderServerId, cancellationToken: TestContext.Current.CancellationToken))!;
        Assert.Equal("ui", saved.Source);
        Assert.Equal(Canonical(BriefPolicy, "json"), Canonical(saved.Text, saved.Format));

        var calls = await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.BuilderServerId, "code_generate", CodeGenerateArguments, 11);
        Assert.Equal(["code_generate"], calls.Tools);
        Assert.All(calls.Results.Take(10), r => Assert.False(r.IsError, r.Text));
        Assert.True(calls.Results[10].IsError);
        Assert.Contains("code_generate_rate", calls.Results[10].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConditionOnServerEverything_PickedFromItsInputSchema_DeniesTheCallsItShould()
    {
        fixture.RequireServerEverything();
        var listed = await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.EverythingServerId, "echo", "{}", 0);
        Assert.Empty(listed.Tools);
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken, AdminUiFixture.EverythingServerId);

        // The tool list comes from the server, with risk; the argument paths come from echo's input schema.
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "get-env", Exact = true }) }))
            .ToContainTextAsync("Read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove rule for review_code" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule for echo", Exact = true }).ClickAsync();
        var rule = page.GetByRole(AriaRole.Region, new() { Name = "echo", Exact = true });
        await rule.GetByRole(AriaRole.Button, new() { Name = "Add condition" }).ClickAsync();
        await Assertions.Expect(rule.GetByLabel("Argument path")).ToHaveValueAsync("args.message");
        Assert.Equal("string", await rule.Locator("datalist option[value='args.message']").TextContentAsync());
        await rule.GetByLabel("Operator").SelectOptionAsync("max_length");
        await Assertions.Expect(rule.GetByLabel("Value")).ToHaveAttributeAsync("type", "number");
        await rule.GetByLabel("Value").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule for get-env", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Region, new() { Name = "get-env", Exact = true }).GetByLabel("Action").SelectOptionAsync("Hide");
        await Assertions.Expect(page.GetByText("The draft is a valid policy.")).ToBeVisibleAsync();
        await page.GetByLabel("Comment").FillAsync("echo short messages only; get-env hidden");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved version" })).ToBeVisibleAsync();

        var shortEcho = await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.EverythingServerId, "echo", """{"message": "hello"}""", 1);
        Assert.Equal(["echo"], shortEcho.Tools);
        Assert.False(shortEcho.Results[0].IsError, shortEcho.Results[0].Text);
        Assert.Contains("hello", shortEcho.Results[0].Text, StringComparison.Ordinal);
        var longEcho = await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.EverythingServerId, "echo", """{"message": "a message far longer than twelve"}""", 1);
        Assert.True(longEcho.Results[0].IsError);
        Assert.Contains("max_length", longEcho.Results[0].Text, StringComparison.Ordinal);
        var hidden = await fixture.CallWithTypeScriptClientAsync(AdminUiFixture.EverythingServerId, "get-env", "{}", 1);
        Assert.True(hidden.Results[0].IsError);
    }

    [Fact]
    public async Task EveryChange_IsCheckedLive_WithThePolicyChecksMessages_AndAnInvalidDraftCannotBeSaved()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken);
        await page.GetByLabel("Rule for another tool (exact name)").FillAsync("describe_codebase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule", Exact = true }).Last.ClickAsync();
        var rule = page.GetByRole(AriaRole.Region, new() { Name = "describe_codebase" });
        await rule.GetByRole(AriaRole.Button, new() { Name = "Add limit" }).ClickAsync();
        await rule.GetByLabel("Max calls").FillAsync("0");

        // The message is the parser's, word for word, as `portcullis policy check` prints it.
        var expected = PolicyParser.Parse("""
            {"version": "1", "tools": {"describe_codebase": {"limits": [{"counter": "describe_codebase_rate", "window": "minute", "max": 0, "scope": "grant"}]}}}
            """, PolicyFormat.Json).Errors.Single();
        Assert.Equal("/tools/describe_codebase/limits/0/max", expected.Path);
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Problems", Exact = true })).ToContainTextAsync(expected.Message);
        await Assertions.Expect(rule.GetByRole(AriaRole.List)).ToContainTextAsync(expected.Message);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save policy" })).ToBeDisabledAsync();

        await rule.GetByLabel("Max calls").FillAsync("5");
        await Assertions.Expect(page.GetByText("The draft is a valid policy.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save policy" })).ToBeEnabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show YAML" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("YAML preview")).ToContainTextAsync("describe_codebase_rate");
    }

    [Fact]
    public async Task TryACall_ShowsTheExplainTraceOfTheDraft_WithoutCallingTheServer()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken);
        await page.GetByLabel("Rule for another tool (exact name)").FillAsync("describe_codebase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule", Exact = true }).Last.ClickAsync();
        var rule = page.GetByRole(AriaRole.Region, new() { Name = "describe_codebase" });
        await rule.GetByRole(AriaRole.Button, new() { Name = "Add condition" }).ClickAsync();
        await rule.GetByLabel("Kind").SelectOptionAsync("DenyIf");
        await rule.GetByLabel("Argument path").FillAsync("args.audience");
        await rule.GetByLabel("Operator").SelectOptionAsync("eq");
        await rule.GetByLabel("Value").FillAsync("investor");
        await rule.GetByLabel("Denial reason").FillAsync("Not for investors.");
        await Assertions.Expect(page.GetByText("The draft is a valid policy.")).ToBeVisibleAsync();

        await page.GetByLabel("Tool", new() { Exact = true }).FillAsync("describe_codebase");
        await page.GetByLabel("Arguments (JSON object)").FillAsync("""{"audience": "investor"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Try the call" }).ClickAsync();
        var result = page.GetByRole(AriaRole.Status, new() { Name = "Trial result" });
        await Assertions.Expect(result).ToContainTextAsync("Denied");
        await Assertions.Expect(result).ToContainTextAsync("Not for investors.");

        await page.GetByLabel("Arguments (JSON object)").FillAsync("""{"audience": "developer"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Try the call" }).ClickAsync();
        await Assertions.Expect(result).ToContainTextAsync("Allowed");

        await page.GetByLabel("Arguments (JSON object)").FillAsync("not json");
        await page.GetByRole(AriaRole.Button, new() { Name = "Try the call" }).ClickAsync();
        await Assertions.Expect(result).ToContainTextAsync("Arguments: not valid JSON");

        // The builder with a rule's controls open, a condition and a trace shown meets the same accessibility bar as every page.
        var axe = await page.RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {string.Join(", ", v.Nodes.Select(n => n.Html))}"));
    }

    [Fact]
    public async Task AViewer_CanBuildButNotSave_AndTheServerRefusesAHandCraftedSave()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.ViewerToken);
        await Assertions.Expect(page.GetByText("Your role can build and try a draft but not save it.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save policy" })).ToBeDisabledAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Restore version 1" }).CountAsync());
        var before = await LatestVersionAsync();

        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var response = await context.APIRequest.PostAsync($"/admin/actions/servers/{AdminUiFixture.BuilderServerId}/policy", new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("__RequestVerificationToken", token!), ("text", """{"version": "1", "default": "allow"}"""),
                ("format", "json"), ("comment", "open everything")),
            MaxRedirects = 0,
        });

        Assert.Equal(403, response.Status);
        Assert.Contains("viewer role", await response.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await LatestVersionAsync());
    }

    [Fact]
    public async Task ASaveWithoutTheAntiForgeryToken_Gets400_AndAnInvalidOrStalePolicyPostedByHand_IsNotSaved()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken);
        var before = await LatestVersionAsync();
        var path = $"/admin/actions/servers/{AdminUiFixture.BuilderServerId}/policy";

        var forged = await context.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("text", """{"version": "1", "default": "allow"}"""), ("format", "json"), ("comment", "forged")),
            MaxRedirects = 0,
        });
        Assert.Equal(400, forged.Status);

        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var invalid = await context.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("__RequestVerificationToken", token!), ("text", """{"version": "1", "default": "sometimes"}"""),
                ("format", "json"), ("comment", "broken"), ("base_version", before.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            MaxRedirects = 0,
        });
        Assert.Equal(303, invalid.Status);
        Assert.Equal(before, await LatestVersionAsync());
        await page.GotoAsync($"/admin/servers/{AdminUiFixture.BuilderServerId}/policy");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Nothing was changed" })).ToContainTextAsync("/default");

        // A valid policy built on a version that is no longer the newest would overwrite a change unseen.
        var stale = await context.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("__RequestVerificationToken", token!), ("text", """{"version": "1", "default": "deny"}"""),
                ("format", "json"), ("comment", "stale"), ("base_version", (before - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            MaxRedirects = 0,
        });
        Assert.Equal(303, stale.Status);
        Assert.Equal(before, await LatestVersionAsync());
        await page.GotoAsync($"/admin/servers/{AdminUiFixture.BuilderServerId}/policy");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Nothing was changed" })).ToContainTextAsync("reload the page");

        // A link to a version that is not a number shows the same notice as a missing version, not an error page.
        await page.GotoAsync($"/admin/servers/{AdminUiFixture.BuilderServerId}/policy?version=abc");
        await Assertions.Expect(page.GetByText($"Server '{AdminUiFixture.BuilderServerId}' has no version 'abc'.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task History_RestoresAnOlderVersion_AsTheNewest()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenBuilderAsync(context, AdminUiFixture.AdminToken);
        await page.GetByLabel("Mode").SelectOptionAsync("shadow");
        await page.GetByLabel("Comment").FillAsync("try shadow mode first");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved version" })).ToBeVisibleAsync();
        var shadow = await LatestVersionAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = $"Restore version {shadow - 1}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Restored version" })).ToBeVisibleAsync();
        var restored = (await fixture.State.Policies.LatestAsync(AdminUiFixture.BuilderServerId, cancellationToken: TestContext.Current.CancellationToken))!;
        var previous = (await fixture.State.Policies.GetAsync(AdminUiFixture.BuilderServerId, shadow - 1, TestContext.Current.CancellationToken))!;
        Assert.Equal(shadow + 1, restored.Version);
        Assert.Equal("restore", restored.Source);
        Assert.Equal(previous.Text, restored.Text);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = $"{shadow + 1} (live)" })).ToContainTextAsync($"restored from version {shadow - 1}");
    }

    private async Task<IPage> OpenBuilderAsync(IBrowserContext context, string token, string serverId = AdminUiFixture.BuilderServerId)
    {
        var page = await fixture.SignInAsync(context, token);
        await page.GotoAsync($"/admin/servers/{serverId}/policy");
        // Controls answer once the page's circuit is connected.
        await Assertions.Expect(page.Locator(".builder[data-interactive=true]")).ToBeVisibleAsync();
        return page;
    }

    private async Task<int> LatestVersionAsync() =>
        (await fixture.State.Policies.LatestAsync(AdminUiFixture.BuilderServerId, cancellationToken: TestContext.Current.CancellationToken))!.Version;

    private static string Canonical(string text, string format) =>
        PolicyWriter.ToJson(PolicyParser.Parse(text, format == "yaml" ? PolicyFormat.Yaml : PolicyFormat.Json).Policy!.Document);
}
