using System.Net;
using Microsoft.Playwright;
using Portcullis.Web.Hosting;

namespace Portcullis.Web.Browser;

public sealed class SignInTests(AdminUiFixture fixture)
{
    [Fact]
    public async Task SignIn_WithAnAdminToken_OpensTheOverview_AndSignOutEndsTheSession()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/approvals");
        Assert.EndsWith("/admin/sign-in", page.Url, StringComparison.Ordinal);

        page = await fixture.SignInAsync(context, AdminUiFixture.AdminToken);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Signed in as ops (admin)")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = "codex reachable" })).ToBeVisibleAsync();
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == AdminUiGate.CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/", cookie.Path);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/sign-in$"));

        // The old cookie, replayed, no longer opens anything: the session ended on the server.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.BaseUrl + "/admin");
        request.Headers.Add("Cookie", $"{AdminUiGate.CookieName}={cookie.Value}");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/sign-in", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("pca_not-a-token-anyone-has-0123456789")]
    [InlineData("grant")]
    public async Task SignIn_WithAWrongOrAGrantToken_SaysOnlyThatItDoesNotSignIn(string token)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/sign-in");
        await page.GetByLabel("Admin token").FillAsync(token == "grant" ? fixture.GrantToken : token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That token does not sign in to the admin UI.");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == AdminUiGate.CookieName);
    }
}
