using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portcullis.Interop;

/// <summary>
/// Runs the official MCP conformance suite's server scenarios against a URL:
/// <c>conformance server --suite all --url … --output-dir …</c> under node 24, then reads the
/// <c>checks.json</c> it writes for each scenario (in <c>server-&lt;scenario&gt;-&lt;timestamp&gt;/</c>).
/// </summary>
internal static partial class ConformanceSuite
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs every server scenario against <paramref name="url"/>. With a bearer token, each request to
    /// the URL's origin carries it: the suite has no option for headers, so a preloaded module adds it
    /// to the requests node sends, leaving Host and Origin as the suite set them.
    /// </summary>
    public static async Task<ConformanceRun> RunAsync(string url, string? bearerToken, TimeSpan timeout)
    {
        var results = Directory.CreateTempSubdirectory("portcullis-conformance-");
        try
        {
            var arguments = new List<string>();
            var environment = new Dictionary<string, string>();
            if (bearerToken is not null)
            {
                arguments.AddRange(["--import", NodeTools.BearerToken]);
                environment["PORTCULLIS_BEARER_TOKEN"] = bearerToken;
                environment["PORTCULLIS_BEARER_ORIGIN"] = new Uri(url).GetLeftPart(UriPartial.Authority);
            }

            arguments.AddRange([NodeTools.ConformanceSuite, "server", "--suite", "all", "--url", url, "--output-dir", results.FullName]);
            using var process = NodeTools.Start(arguments, environment, NodeTools.ModernNode);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using (var cancellation = new CancellationTokenSource(timeout))
            {
                try
                {
                    await process.WaitForExitAsync(cancellation.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    throw new TimeoutException($"The conformance suite did not finish against {url} within {timeout}; its last lines:\n{Tail(await stdout + await stderr)}");
                }
            }

            var output = await stdout + await stderr;

            // 0: every check passed; 1: some failed. Anything else means the suite itself did not run.
            if (process.ExitCode is not (0 or 1))
            {
                throw new InvalidOperationException($"The conformance suite exited with {process.ExitCode} against {url}:\n{Tail(output)}");
            }

            var written = results.EnumerateDirectories()
                .Select(d => (Directory: d, Match: ResultDirectory().Match(d.Name)))
                .Where(d => d.Match.Success)
                .ToDictionary(d => d.Match.Groups["scenario"].Value, d => d.Directory, StringComparer.Ordinal);
            var scenarios = ScenarioStarted().Matches(output)
                .Select(m => m.Groups["scenario"].Value)
                .Select(name => new ConformanceScenario(name, written.TryGetValue(name, out var directory)
                    ? Read(Path.Combine(directory.FullName, "checks.json"))
                    : [new ConformanceCheck(name, ConformanceCheck.Failure, "Failed to run scenario", "The suite wrote no checks for this scenario; see its output.", null)]))
                .ToImmutableArray();
            if (scenarios.IsEmpty)
            {
                throw new InvalidOperationException($"The conformance suite ran no scenario against {url}:\n{Tail(output)}");
            }

            return new ConformanceRun(url, scenarios, output);
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }

    private static ImmutableArray<ConformanceCheck> Read(string checksPath)
    {
        using var file = File.OpenRead(checksPath);
        return JsonSerializer.Deserialize<ImmutableArray<ConformanceCheck>>(file, s_json);
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(40));

    /// <summary>The line the suite prints before each scenario.</summary>
    [GeneratedRegex(@"^=== Running scenario: (?<scenario>\S+) ===$", RegexOptions.Multiline)]
    private static partial Regex ScenarioStarted();

    /// <summary>The directory the suite writes a scenario's checks to: <c>server-&lt;scenario&gt;-2026-11-30T02-28-38-433Z</c>.</summary>
    [GeneratedRegex(@"^server-(?<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")]
    private static partial Regex ResultDirectory();
}
