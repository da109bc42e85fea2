using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Portcullis.Cli.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> makes <c>portcullis</c> a .NET tool: installed from a local folder (and
/// nothing else), it reports its version and commit, checks a policy and serves the demo.
/// </summary>
public sealed partial class ToolPackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact(Timeout = 900_000)]
    public async Task PackedTool_InstallsFromALocalFolder_AndRuns()
    {
        var cancel = TestContext.Current.CancellationToken;
        var packages = Path.Combine(_directory, "nupkg");
        var toolPath = Path.Combine(_directory, "tools");
        var nugetConfig = Path.Combine(_directory, "nuget.config");
        await File.WriteAllTextAsync(nugetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
            """, cancel);

        var pack = await RunAsync("dotnet", ["pack", CliRunner.RepositoryFile("src/Portcullis.Cli"), "-c", "Release", "-o", packages, "--nologo"], cancel);
        Assert.True(pack.ExitCode == 0, pack.Output);
        var install = await RunAsync("dotnet", ["tool", "install", "--tool-path", toolPath, "--configfile", nugetConfig, "Portcullis.Cli", "--version", "0.1.0"], cancel);
        Assert.True(install.ExitCode == 0, install.Output);

        var portcullis = Path.Combine(toolPath, "portcullis");
        var version = await RunAsync(portcullis, ["--version"], cancel);
        var check = await RunAsync(portcullis, ["policy", "check", CliRunner.RepositoryFile("docs/examples/brief.json")], cancel);

        Assert.Matches(VersionAndCommit(), version.Output.Trim());
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("brief.json: OK", check.Output, StringComparison.Ordinal);
        await ServesTheDemoAsync(portcullis, cancel);
    }

    private static async Task ServesTheDemoAsync(string portcullis, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(portcullis) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "serve", "--demo", "--listen", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var serve = Process.Start(start)!;
        try
        {
            var printed = new Dictionary<string, string>(StringComparer.Ordinal);
            while (!printed.ContainsKey("Admin token") && await serve.StandardOutput.ReadLineAsync(cancel) is { } line)
            {
                if (line.Trim().Split(':', 2) is [var label, var value] && label is "MCP URL" or "Admin UI" or "Admin token")
                {
                    printed[label] = value.Trim().Split(' ')[0];
                }
            }

            Assert.True(printed.TryGetValue("MCP URL", out var mcpUrl));
            using var http = new HttpClient();
            var health = await http.GetStringAsync(new Uri(new Uri(mcpUrl), "/healthz"), cancel);
            Assert.Equal("ok", health);
            await SignsInToTheAdminUiAsync(new Uri(printed["Admin UI"]), printed["Admin token"], cancel);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>The packaged tool serves the admin UI with its own script, and the printed admin token signs in.</summary>
    private static async Task SignsInToTheAdminUiAsync(Uri adminUi, string adminToken, CancellationToken cancel)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() });
        var signIn = await http.GetStringAsync(new Uri(adminUi, "/admin/sign-in"), cancel);
        using var script = await http.GetAsync(new Uri(adminUi, "/admin/assets/blazor.web.js"), cancel);
        Assert.Equal(System.Net.HttpStatusCode.OK, script.StatusCode);
        var antiforgery = Regex.Match(signIn, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new FormUrlEncodedContent([new("token", adminToken), new("__RequestVerificationToken", antiforgery)]);
        using var signedIn = await http.PostAsync(new Uri(adminUi, "/admin/actions/sign-in"), form, cancel);
        Assert.Equal(System.Net.HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/admin", signedIn.Headers.Location?.OriginalString);
        Assert.Contains("Signed in as <strong>demo-admin</strong>", await http.GetStringAsync(new Uri(adminUi, "/admin"), cancel), StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancel);
        var error = process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+\+[0-9a-f]{40}$")]
    private static partial Regex VersionAndCommit();
}
