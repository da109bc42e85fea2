using Microsoft.Playwright;

namespace Portcullis.Web.Browser;

public sealed class AuditPageTests(AdminUiFixture fixture)
{
    [Fact]
    public async Task Filters_Paging_AndARecordsDetail()
    {
        var tool = "probe_" + Guid.NewGuid().ToString("N")[..8];
        await using (var agent = await fixture.ConnectAgentAsync())
        {
            for (var i = 0; i < 53; i++)
            {
                await agent.CallToolAsync(tool, new Dictionary<string, object?> { ["n"] = i }, cancellationToken: TestContext.Current.CancellationToken);
            }
        }

        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        await page.GotoAsync("/admin/audit");
        await page.GetByLabel("Tool").FillAsync(tool);
        await page.GetByLabel("Decision").SelectOptionAsync("deny");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        var rows = page.Locator("table.audit tbody > tr");
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await page.GetByRole(AriaRole.Link, new() { Name = "Older records" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Older records" }).CountAsync());

        // The oldest record's detail: every field, the arguments as the policy kept them (audit_args: full).
        await rows.Last.Locator("summary").ClickAsync();
        var detail = rows.Last.Locator("dl.record");
        await Assertions.Expect(detail).ToContainTextAsync("\"n\":0");
        await Assertions.Expect(detail).ToContainTextAsync("agent");
    }

    [Fact]
    public async Task ABadSince_IsNamedInTheMessage()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);

        await page.GotoAsync("/admin/audit?since=yesterday");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "Since: 'yesterday' is neither a duration (30m, 1h, 7d) nor a time (2026-11-25T12:00:00Z).");
    }
}
