using Microsoft.Playwright;
using Portcullis.TestServers;

namespace Portcullis.Web.Browser;

/// <summary>Pictures of the admin UI for the docs, written to <c>docs/images/</c> by the tests that reach each page.</summary>
internal static class Screenshots
{
    /// <summary>Saves the whole page as <c>docs/images/{name}.png</c>, at the width the README shows.</summary>
    public static async Task SaveAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(1280, 900);
        var directory = Path.Combine(NodePackages.RepositoryRoot, "docs", "images");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }
}
