using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portcullis.Gateway.Audit;
using Portcullis.Storage.Audit;

namespace Portcullis.Web.Browser;

public sealed class AuditPageTests(AdminUiFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

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

        // The audit log writes behind the calls: the page reads the store, so wait until every record is in it.
        await fixture.Audit.FlushAsync(Cancel);
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

    [Fact]
    public async Task ABadSkip_IsNamedInTheMessage()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);

        await page.GotoAsync("/admin/audit?skip=99999");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Skip: '99999' is not a whole number from 0 to 10000.");
    }

    [Fact]
    public async Task Export_CsvAndJsonl_HoldExactlyTheRecordsTheFiltersSelect_AndEachIsAnAuditRecordNamingTheAdmin()
    {
        // A tool name a spreadsheet would run as a formula: the CSV must show it as text.
        var tool = "=probe_" + Guid.NewGuid().ToString("N")[..8] + "()";
        await using (var agent = await fixture.ConnectAgentAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await agent.CallToolAsync(tool, new Dictionary<string, object?> { ["n"] = i }, cancellationToken: Cancel);
            }

            await agent.CallToolAsync("review_code", new Dictionary<string, object?> { ["code"] = tool }, cancellationToken: Cancel);
        }

        await fixture.Audit.FlushAsync(Cancel);
        var selected = await fixture.State.Audit.QueryAsync(new AuditQuery { Tool = tool, Decision = AuditDecisions.Deny }, Cancel);
        Assert.Equal(3, selected.Count);

        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        await page.GotoAsync("/admin/audit");
        await page.GetByLabel("Since (30m, 1h, 7d or a time)").FillAsync("1h");
        await page.GetByLabel("Tool").FillAsync(tool);
        await page.GetByLabel("Decision").SelectOptionAsync("deny");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.audit tbody > tr")).ToHaveCountAsync(3);

        var csv = await DownloadAsync(page, "Export CSV");
        var jsonl = await DownloadAsync(page, "Export JSONL");

        Assert.Matches(@"^portcullis-audit-\d{8}T\d{6}Z\.csv$", csv.Name);
        Assert.Matches(@"^portcullis-audit-\d{8}T\d{6}Z\.jsonl$", jsonl.Name);
        // CSV by time, as 'portcullis audit export --format csv' writes it; the tool's cell starts with ' so no formula runs.
        Assert.Equal([AuditCsv.Header, .. selected.OrderBy(r => r.Time).ThenBy(r => r.Chain, StringComparer.Ordinal).ThenBy(r => r.Seq).Select(AuditCsv.Line)], Lines(csv.Text));
        Assert.All(Lines(csv.Text).Skip(1), line => Assert.Contains(",'" + tool + ",", line, StringComparison.Ordinal));
        // JSON Lines in chain order, each record exactly as stored (so 'audit verify --file' can check its hashes).
        Assert.Equal(selected.OrderBy(r => r.Chain, StringComparer.Ordinal).ThenBy(r => r.Seq).Select(r => AuditCanonicalForm.Serialize(r)), Lines(jsonl.Text));

        await fixture.Audit.FlushAsync(Cancel);
        var exports = (await AdminRecordsAsync("audit.exported")).Where(r => r.After!.Contains(tool, StringComparison.Ordinal)).OrderBy(r => r.Seq).ToList();
        Assert.Equal(["watcher", "watcher"], exports.Select(r => r.Actor));
        Assert.Equal($"format=csv; records=3; filters: since=1h tool={tool} decision=deny", exports[0].After);
        Assert.StartsWith("format=jsonl; records=3;", exports[1].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_NeedsASession_AndNamesABadFilter()
    {
        await using var context = await fixture.NewContextAsync();
        var anonymous = await context.APIRequest.GetAsync("/admin/audit/export?format=csv", new() { MaxRedirects = 0 });
        Assert.Equal(302, anonymous.Status);
        Assert.Equal("/admin/sign-in", anonymous.Headers["location"]);

        await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        var badSince = await context.APIRequest.GetAsync("/admin/audit/export?format=csv&since=yesterday");
        var badFormat = await context.APIRequest.GetAsync("/admin/audit/export?format=xlsx");
        Assert.Equal(400, badSince.Status);
        Assert.Equal("Since: 'yesterday' is neither a duration (30m, 1h, 7d) nor a time (2026-11-25T12:00:00Z).", await badSince.TextAsync());
        Assert.Equal(400, badFormat.Status);
        Assert.Equal("format: 'xlsx' is neither csv nor jsonl.", await badFormat.TextAsync());
    }

    [Fact]
    public async Task Verify_ShowsTheLogIntact_AndIsAnAuditRecordNamingTheAdmin()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);
        await page.GotoAsync("/admin/audit");

        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();

        var notice = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Audit log" });
        await Assertions.Expect(notice).ToHaveTextAsync(
            new Regex(@"^Audit log intact: \d+ record\(s\) in \d+ chain\(s\); checkpoint signatures not checked \(no key given\)\.$"));
        Assert.Empty((await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));
        await fixture.Audit.FlushAsync(Cancel);
        Assert.Contains(await AdminRecordsAsync("audit.verified"), r => r.Actor == "watcher" && r.After!.StartsWith("intact: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_WithoutTheAntiForgeryToken_Gets400()
    {
        await using var context = await fixture.NewContextAsync();
        await fixture.SignInAsync(context, AdminUiFixture.ViewerToken);

        var response = await context.APIRequest.PostAsync("/admin/actions/audit/verify", new() { Form = SecurityTests.FormOf(context), MaxRedirects = 0 });

        Assert.Equal(400, response.Status);
        Assert.Contains("anti-forgery", await response.TextAsync(), StringComparison.Ordinal);
    }

    private async Task<List<AuditRecord>> AdminRecordsAsync(string action) =>
        [.. (await fixture.State.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin, Limit = 100_000 }, Cancel)).Where(r => r.Action == action)];

    private static async Task<(string Name, string Text)> DownloadAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync());
        return (download.SuggestedFilename, await File.ReadAllTextAsync(await download.PathAsync(), Cancel));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
