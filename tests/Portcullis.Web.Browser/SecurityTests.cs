using Microsoft.Playwright;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Web.Hosting;

namespace Portcullis.Web.Browser;

public sealed class SecurityTests(AdminUiFixture fixture)
{
    private const string Payload = "<img src=x onerror=alert(1)><script>alert(2)</script>";

    [Theory]
    [InlineData("/admin/sign-in")]
    [InlineData("/admin")]
    [InlineData("/admin/approvals")]
    [InlineData("/admin/grants")]
    [InlineData("/admin/audit")]
    [InlineData("/admin/servers/codex/tools")]
    public async Task EveryPage_CarriesTheSecurityHeaders(string path)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var response = await page.GotoAsync(path);

        var headers = await response!.AllHeadersAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(AdminUiGate.ContentSecurityPolicy, headers["content-security-policy"]);
        Assert.DoesNotContain("unsafe", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);
        Assert.Contains("no-store", headers["cache-control"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz", 200)]
    [InlineData("/admin/api/audit", 401)]
    public async Task PathsOutsideTheUi_AreLeftAlone(string path, int status)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(fixture.BaseUrl + path, TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task AViewer_SeesHeldCalls_ButTheServerRefusesTheirDecision_EvenAHandCraftedPost()
    {
        await using var held = await HeldCall.StartAsync(fixture, "viewer-" + Guid.NewGuid().ToString("N"));
        var approval = await held.ApprovalAsync(fixture);
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        await page.GotoAsync("/admin/approvals");
        await Assertions.Expect(page.GetByText(held.Marker)).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());

        // A valid anti-forgery token from the viewer's own page, and the form the approver would post.
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var response = await context.APIRequest.PostAsync($"/admin/actions/approvals/{approval.Id}", new APIRequestContextOptions
        {
            Form = FormOf(context, ("__RequestVerificationToken", token!), ("decision", "approve"), ("comment", "let me")),
            MaxRedirects = 0,
        });

        Assert.Equal(403, response.Status);
        Assert.Contains("viewer role", await response.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, (await fixture.State.Approvals.GetAsync(approval.Id, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task PolicySaveAndRestore_RefuseAViewer_AndAnUnknownServer_AndChangeNothing()
    {
        var cancel = TestContext.Current.CancellationToken;
        var before = (await fixture.State.Policies.LatestAsync("codex", cancellationToken: cancel))!.Version;
        await using var viewerContext = await fixture.NewContextAsync();
        var viewerPage = await fixture.SignInAsync(viewerContext, AdminUiFixture.ViewerToken);
        await viewerPage.GotoAsync("/admin/audit");
        var viewerToken = await viewerPage.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        await using var adminContext = await fixture.NewContextAsync();
        var adminPage = await fixture.SignInAsync(adminContext, AdminUiFixture.AdminToken);
        await adminPage.GotoAsync("/admin/audit");
        var adminToken = await adminPage.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        (string, string)[] save = [("text", """{"version": "1", "default": "allow"}"""), ("format", "json"), ("comment", "c"), ("base_version", $"{before}")];
        (string, string)[] restore = [("version", "1")];

        foreach (var (path, fields) in new[] { ("/admin/actions/servers/codex/policy", save), ("/admin/actions/servers/codex/policy/restore", restore) })
        {
            var refused = await viewerContext.APIRequest.PostAsync(path, new APIRequestContextOptions
            {
                Form = FormOf(viewerContext, [("__RequestVerificationToken", viewerToken!), .. fields]),
                MaxRedirects = 0,
            });
            Assert.Equal(403, refused.Status);
            Assert.Contains("viewer role", await refused.TextAsync(), StringComparison.Ordinal);

            var unknown = await adminContext.APIRequest.PostAsync(path.Replace("/codex/", "/nowhere/", StringComparison.Ordinal), new APIRequestContextOptions
            {
                Form = FormOf(adminContext, [("__RequestVerificationToken", adminToken!), .. fields]),
                MaxRedirects = 0,
            });
            Assert.Equal(404, unknown.Status);
            Assert.Equal("No server has id 'nowhere'. Nothing was changed.", await unknown.TextAsync());
        }

        Assert.Equal(before, (await fixture.State.Policies.LatestAsync("codex", cancellationToken: cancel))!.Version);
    }

    [Fact]
    public async Task AFormPost_WithoutTheAntiForgeryToken_Gets400_AndChangesNothing()
    {
        await using var context = await fixture.NewContextAsync();
        await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var name = "forged-" + Guid.NewGuid().ToString("N")[..8];

        var response = await context.APIRequest.PostAsync("/admin/actions/grants", new APIRequestContextOptions
        {
            Form = FormOf(context, ("name", name), ("servers", "codex")),
            MaxRedirects = 0,
        });

        Assert.Equal(400, response.Status);
        Assert.Contains("anti-forgery", await response.TextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await fixture.State.Grants.ListAsync(TestContext.Current.CancellationToken), g => g.Name == name);
    }

    [Fact]
    public async Task MarkupFromAnAgent_IsShownAsText_AndNoScriptRuns()
    {
        // The agent names a tool with markup and puts markup in arguments; both reach the audit log as sent.
        await using (var agent = await fixture.ConnectAgentAsync())
        {
            await agent.CallToolAsync(Payload, new Dictionary<string, object?> { ["path"] = Payload }, cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var held = await HeldCall.StartAsync(fixture, "markup-" + Guid.NewGuid().ToString("N"), " " + Payload);
        await held.ApprovalAsync(fixture);
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var dialogs = CountDialogs(page);

        // Filtered by the tool too: other tests on the shared gateway can fill the first page with denials of their own.
        await page.GotoAsync($"/admin/audit?decision=deny&tool={Uri.EscapeDataString(Payload)}");
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = Payload, Exact = true }).First).ToBeVisibleAsync();
        await page.GotoAsync("/admin/approvals");
        await Assertions.Expect(page.GetByText(held.Marker)).ToContainTextAsync("onerror=alert(1)");

        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        Assert.Empty(dialogs);
        Assert.NotEmpty(await fixture.State.Audit.QueryAsync(new AuditQuery { Tool = Payload }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task MarkupFromAnUpstream_InItsToolDescription_IsShownAsText_InTheToolsPageAndTheBuilder_AndNoScriptRuns()
    {
        // Listing through the gateway pins the upstream's definition, markup and all.
        await fixture.CallWithTypeScriptClientAsync(MarkupUpstream.ServerId, MarkupUpstream.ToolName, "{}", 0);
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var dialogs = CountDialogs(page);

        await page.GotoAsync($"/admin/servers/{MarkupUpstream.ServerId}/tools");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = MarkupUpstream.ToolName }) });
        await row.GetByText("Rationale").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Renders a page. " + MarkupUpstream.Payload);
        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());

        await page.GotoAsync($"/admin/servers/{MarkupUpstream.ServerId}/policy");
        await Assertions.Expect(page.Locator(".builder[data-interactive=true]")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Add rule for {MarkupUpstream.ToolName}" }).ClickAsync();
        var rule = page.GetByRole(AriaRole.Region, new() { Name = MarkupUpstream.ToolName });
        await rule.GetByRole(AriaRole.Button, new() { Name = "Add condition" }).ClickAsync();
        await Assertions.Expect(rule.GetByLabel("Argument path")).ToHaveValueAsync("args.page");

        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        Assert.Equal(0, await page.Locator("script:not([src])").CountAsync());
        Assert.Empty(dialogs);
    }

    /// <summary>Every dialog the page opens (an alert from injected script would be one), dismissed and kept for the test to count.</summary>
    private static List<string> CountDialogs(IPage page)
    {
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        return dialogs;
    }

    internal static IFormData FormOf(IBrowserContext context, params (string Name, string Value)[] fields)
    {
        var form = context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Append(name, value);
        }

        return form;
    }
}
