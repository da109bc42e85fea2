using System.Diagnostics;

namespace Portcullis.Interop;

/// <summary>
/// The end-to-end load test, run small: every path (direct, Portcullis on both stores, the npm
/// peer proxy) must answer every call correctly and the report must come out whole. Timings are
/// not asserted; bench/run.sh runs it at full size.
/// </summary>
public sealed class LoadTestHarnessTests
{
    [Fact]
    public async Task Measures_every_path_and_writes_the_report()
    {
        var peer = Path.Combine(NodeTools.RepositoryRoot, "bench", "Portcullis.LoadTest", "node");
        NodeTools.RequireLoadTestPeer(peer);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var loadTest = Path.Combine(NodeTools.RepositoryRoot, "bench", "Portcullis.LoadTest", "bin", configuration, "net10.0", "Portcullis.LoadTest.dll");
        var gateway = Path.Combine(NodeTools.RepositoryRoot, "src", "Portcullis.Cli", "bin", configuration, "net10.0", "portcullis.dll");

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            loadTest, "run", "--portcullis", gateway, "--peer", peer, "--clients", "4", "--calls", "20", "--latency-calls", "20",
            "--warmup-calls", "8", "--warmup-seconds", "0", "--idle-sessions", "20", "--startups", "1", "--rounds", "2", "--deadline", "60",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var report = await output;
        Assert.True(process.ExitCode == 0, $"load test exited with {process.ExitCode}: {await error}");
        foreach (var row in new[]
        {
            "| direct |", "| Portcullis, memory store |", "| Portcullis, SQLite store |", "| mcp-proxy (npm) |",
            "| Portcullis, memory store: throughput ≥ 0.7 × direct at 4 clients |", "| 20 idle sessions ≤ 150 MB resident |", "| `serve --demo` ready ≤ 3 s",
        })
        {
            Assert.Contains(row, report, StringComparison.Ordinal);
        }

        // Every throughput row counted all 4 × 20 calls: none failed, none stopped at the deadline.
        Assert.DoesNotContain("stopped at the deadline", report, StringComparison.Ordinal);
    }
}
