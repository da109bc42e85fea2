using Microsoft.Playwright;

namespace Portcullis.Web.Browser;

/// <summary>A server's tools page: each tool the gateway has seen, its risk and its pin; approving is for admins, checked on the server.</summary>
public sealed class ToolsPageTests(AdminUiFixture fixture)
{
    [Fact]
    public async Task ToolsAClientListed_AreShownWithTheirRiskAndPin_FromTheOverview()
    {
        await using (var agent = await fixture.ConnectAgentAsync())
        {
            // Listing through the gateway pins the demo's tools (trust on first use).
            await agent.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        await page.GotoAsync("/admin");
        var server = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "codex", Exact = true }) });
        // The overview counts the tools the gateway has seen, riskiest category first.
        await Assertions.Expect(server).ToContainTextAsync("3 tools: Execute 2 · Read 1");
        await Screenshots.SaveAsync(page, "overview");
        await page.GetByRole(AriaRole.Link, new() { Name = "codex", Exact = true }).ClickAsync();

        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "code_generate" }) });
        await Assertions.Expect(page).ToHaveURLAsync(fixture.BaseUrl + "/admin/servers/codex/tools");
        await Assertions.Expect(row).ToContainTextAsync("Execute");
        await Assertions.Expect(row).ToContainTextAsync("High");
        await Assertions.Expect(row).ToContainTextAsync("pinned");
        await row.GetByText("Rationale").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Confidence is lowered because the description is empty");
        await Screenshots.SaveAsync(page, "tools");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Approve code_generate" }).CountAsync());
    }

    [Fact]
    public async Task AViewer_CannotApproveATool_EvenWithAHandCraftedPost()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        await page.GotoAsync("/admin/servers/codex/tools");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");

        var response = await context.APIRequest.PostAsync("/admin/actions/servers/codex/tools/code_generate/approve", new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("__RequestVerificationToken", token!)),
            MaxRedirects = 0,
        });

        Assert.Equal(403, response.Status);
        Assert.Contains("viewer role", await response.TextAsync(), StringComparison.Ordinal);
    }
}
