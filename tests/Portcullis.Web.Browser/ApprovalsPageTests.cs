using Microsoft.Playwright;
using Portcullis.Storage.Approvals;

namespace Portcullis.Web.Browser;

public sealed class ApprovalsPageTests(AdminUiFixture fixture)
{
    [Fact]
    public async Task AHeldCall_AppearsWithoutReload_AndApprovingIt_ReleasesTheWaitingCall()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ApproverToken);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        await page.GotoAsync("/admin/approvals");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;

        await using var held = await HeldCall.StartAsync(fixture, "live-" + Guid.NewGuid().ToString("N"));
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = held.Marker });
        await Assertions.Expect(card).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal(0, navigations);
        Assert.False(held.Answer.IsCompleted);

        await card.GetByLabel("Comment").FillAsync("looks fine");
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        var answer = await held.Answer.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.NotEqual(true, answer.IsError);
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Approved the call to code_generate on codex.");
        var approval = await held.ApprovalAsync(fixture);
        Assert.Equal((ApprovalStatus.Approved, "reviewer", "looks fine"), (approval.Status, approval.DecidedBy, approval.Comment));
        // Blazor's script and its live connection work under the strict Content-Security-Policy.
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AnEchoHeldOnServerEverything_AppearsWithoutReload_AndApprovingIt_GivesTheTypeScriptClientTheUpstreamsAnswer()
    {
        fixture.RequireServerEverything();
        await using var context = await fixture.NewContextAsync();
        var page = await fixture.SignInAsync(context, AdminUiFixture.ApproverToken);
        await page.GotoAsync("/admin/approvals");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;

        var client = fixture.CallHeldEchoWithTypeScriptClientAsync();
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "on " + AdminUiFixture.EverythingHeldServerId });
        await Assertions.Expect(card).ToBeVisibleAsync(new() { Timeout = 20_000 });
        Assert.Equal(0, navigations);
        Assert.False(client.IsCompleted);
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        var answer = await client.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(answer.IsError, answer.Text);
        Assert.Equal("Echo: approved through the gateway", answer.Text);
    }
}
