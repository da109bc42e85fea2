using Microsoft.Playwright;
using Portcullis.Storage.Audit;

namespace Portcullis.Web.Browser;

public sealed class GrantsPageTests(AdminUiFixture fixture)
{
    [Fact]
    public async Task CreateRotateRevoke_ShowTheTokenOnce_AndEachIsAnAuditRecordNamingTheAdmin()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var name = "ci-" + Guid.NewGuid().ToString("N")[..8];
        await page.GotoAsync("/admin/grants");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("codex", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Labels (one key=value a line)").FillAsync("team=platform");
        await page.GetByLabel("Expires (UTC, e.g. 2027-01-01T00:00:00Z; empty for never)").FillAsync("2099-01-01T00:00:00Z");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create grant" }).ClickAsync();

        var token = await page.GetByLabel("Token", new() { Exact = true }).InputValueAsync();
        Assert.StartsWith("pcg_", token, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToContainTextAsync("team=platform");
        await page.ReloadAsync();
        Assert.Equal(0, await page.GetByLabel("Token", new() { Exact = true }).CountAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = $"Rotate {name}" }).ClickAsync();
        var rotated = await page.GetByLabel("Token", new() { Exact = true }).InputValueAsync();
        Assert.NotEqual(token, rotated);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToContainTextAsync("revoked");

        var records = await fixture.State.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin }, TestContext.Current.CancellationToken);
        var mine = records.Where(r => r.Target == "grant:" + name).OrderBy(r => r.Seq).Select(r => (r.Action, r.Actor)).ToList();
        Assert.Equal([("grant.created", "ops"), ("grant.rotated", "ops"), ("grant.revoked", "ops")], mine);
    }

    [Fact]
    public async Task AnApprover_SeesNoGrantControls_AndTheServerRefusesTheAction()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ApproverToken);
        await page.GotoAsync("/admin/grants");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Create grant" }).CountAsync());
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");

        var response = await context.APIRequest.PostAsync("/admin/actions/grants", new APIRequestContextOptions
        {
            Form = SecurityTests.FormOf(context, ("__RequestVerificationToken", token!), ("name", "sneaky"), ("servers", "codex")),
            MaxRedirects = 0,
        });

        Assert.Equal(403, response.Status);
        Assert.DoesNotContain(await fixture.State.Grants.ListAsync(TestContext.Current.CancellationToken), g => g.Name == "sneaky");
    }
}
