using System.Diagnostics;

namespace Portcullis.TestServers;

/// <summary>
/// The npm packages the tests run, installed by <c>npm ci</c> in <c>tests/Portcullis.Interop/node</c>
/// (CI does it; so does the build): <c>@modelcontextprotocol/server-everything</c> and the official
/// TypeScript SDK, with the small client scripts kept beside them.
/// </summary>
public static class NodePackages
{
    /// <summary>The checkout's root directory (where Portcullis.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The directory holding package.json, the lockfile and the client scripts.</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot, "tests", "Portcullis.Interop", "node");

    /// <summary>server-everything's entry point (<c>node ... streamableHttp</c> or <c>stdio</c>).</summary>
    public static string ServerEverything => Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    /// <summary>What is missing, with how to install it; null when node and the packages are there.</summary>
    public static string? Problem =>
        ExternalComponent.Find("node") is null
            ? "node is not installed (apt-get install nodejs)"
            : !File.Exists(ServerEverything) || !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "sdk"))
                ? $"the npm packages are not installed: run 'npm ci' in {Directory}"
                : null;

    /// <summary>Runs one of the client scripts in <see cref="Directory"/> with node and returns what it printed.</summary>
    public static Task<string> RunScriptAsync(string script, params string[] arguments) =>
        ExternalComponent.RunAsync("node", [Path.Combine(Directory, script), .. arguments]);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Portcullis.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>server-everything in its Streamable HTTP mode, a real node process on a free loopback port.</summary>
public sealed class ServerEverythingServer : IAsyncDisposable
{
    private readonly Process _process;

    private ServerEverythingServer(Process process, int port)
    {
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port}/mcp");
    }

    /// <summary>The server's MCP endpoint.</summary>
    public Uri Url { get; }

    /// <summary>Starts the server and waits until it listens; <see cref="NodePackages.Problem"/> must be null.</summary>
    public static async Task<ServerEverythingServer> StartAsync()
    {
        var port = ExternalComponent.FreePort();
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(NodePackages.ServerEverything);
        start.ArgumentList.Add("streamableHttp");
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            await ExternalComponent.WaitForPortAsync(port, TimeSpan.FromSeconds(20), process);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }

        return new ServerEverythingServer(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
