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

    /// <summary>Skips (or, in CI, fails) when node or the npm packages are missing.</summary>
    public static void RequireInstalled()
    {
        string? problem = null;
        if (!CanRun("node", "--version"))
        {
            problem = "node is not installed (apt-get install nodejs, or use node 20+ from nodejs.org)";
        }
        else if (!File.Exists(ServerEverything) || !Directory.Exists(Path.Combine(PackageDirectory, "node_modules", "@modelcontextprotocol", "sdk")))
        {
            problem = $"the interop npm packages are not installed: run 'npm ci' in {PackageDirectory}";
        }

        Require(problem);
    }

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

    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("node")
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
