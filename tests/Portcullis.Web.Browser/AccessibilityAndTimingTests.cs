using System.Diagnostics;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Portcullis.Web.Browser;

public sealed class AccessibilityAndTimingTests(AdminUiFixture fixture)
{
    public static TheoryData<string> Pages => ["/admin", "/admin/approvals", "/admin/grants", "/admin/audit", "/admin/servers/codex/tools", "/admin/servers/codex/policy"];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_HasNoSeriousAccessibilityViolations(string path)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        await page.GotoAsync(path);

        var result = await page.RunAxe();

        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})");
        Assert.Empty(serious);
    }

    [Fact]
    public async Task SignInPage_HasNoSeriousAccessibilityViolations()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/sign-in");

        var result = await page.RunAxe();

        Assert.Empty(result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_AnswersWithin300Milliseconds(string path)
    {
        await using var context = await fixture.NewContextAsync();
        await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        await context.APIRequest.GetAsync(path);

        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await context.APIRequest.GetAsync(path);
            await response.BodyAsync();
            times.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal(200, response.Status);
        }

        times.Sort();
        TestContext.Current.TestOutputHelper?.WriteLine($"{path}: median {times[2]:0.0} ms, slowest {times[^1]:0.0} ms");
        Assert.True(times[2] < 300, $"{path}: median {times[2]:0.0} ms");
    }
}
