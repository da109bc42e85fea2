using Deque.AxeCore.Playwright;
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

    [Fact]
    public async Task CopyToken_PutsTheNewTokenOnTheClipboard()
    {
        await using var context = await fixture.NewContextAsync();
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        // A script the Content-Security-Policy refused would show here as an error.
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        var token = await CreateGrantAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Copy token" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Copied" })).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Empty(errors);
        Assert.Equal(token, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.Empty((await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));
    }

    [Fact]
    public async Task CopyToken_WithoutAClipboard_SelectsTheToken_AndSaysHowToCopyIt()
    {
        await using var context = await fixture.NewContextAsync();
        // What a page served over plain HTTP to a host other than localhost gets: no navigator.clipboard.
        await context.AddInitScriptAsync("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })");
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        var token = await CreateGrantAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Copy token" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "clipboard" })).ToContainTextAsync("the token is selected");
        var field = page.GetByLabel("Token", new() { Exact = true });
        await Assertions.Expect(field).ToBeVisibleAsync();
        await Assertions.Expect(field).ToBeFocusedAsync();
        Assert.Equal(token, await field.EvaluateAsync<string>("input => input.value.substring(input.selectionStart, input.selectionEnd)"));
    }

    /// <summary>Creates a grant for codex on the Grants page and returns the token it shows once.</summary>
    private static async Task<string> CreateGrantAsync(IPage page)
    {
        await page.GotoAsync("/admin/grants");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("copy-" + Guid.NewGuid().ToString("N")[..8]);
        await page.GetByLabel("codex", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create grant" }).ClickAsync();
        var token = await page.GetByLabel("Token", new() { Exact = true }).InputValueAsync();
        Assert.StartsWith("pcg_", token, StringComparison.Ordinal);
        return token;
    }
}
