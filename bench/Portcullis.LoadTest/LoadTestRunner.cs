using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Portcullis.LoadTest;

/// <summary>
/// Runs every path to every upstream — direct, Portcullis with in-memory and SQLite stores, the npm
/// peers — in interleaved rounds, with the C# echo server and server-everything over Streamable
/// HTTP, and server-everything over stdio behind Portcullis and supergateway; then the gateway's
/// start-up time and its memory with many idle sessions.
/// </summary>
internal sealed class LoadTestRunner(LoadTestOptions options, TextWriter progress) : IDisposable
{
    private const string Token = "load-test-grant-token-0123456789abcdef";
    private const string ServerId = "echo";

    /// <summary>The brief's shape for an execute tool: allowed, with a limit far above anything the run reaches.</summary>
    private const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "echo": { "limits": [ { "counter": "echo_rate", "window": "minute", "max": 100000000, "scope": "grant" } ] }
          }
        }
        """;

    private const string EverythingReplyPrefix = "Echo: ";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("portcullis-load-");
    private readonly List<IDisposable> _running = [];

    private string ServerEverything => Path.Combine(options.NodeDirectory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    public async Task<LoadTestResults> RunAsync(CancellationToken cancellationToken)
    {
        progress.WriteLine($"work directory: {_work.FullName}");
        var echoPort = FreePort();
        var echo = Keep(TargetProcess.Start("dotnet", [typeof(LoadTestRunner).Assembly.Location, "upstream", "--port", $"{echoPort}"],
            _work.FullName, Path.Combine(_work.FullName, "echo-upstream.log")));
        var everythingPort = FreePort();
        var everything = Keep(TargetProcess.Start("node", [ServerEverything, "streamableHttp"], options.NodeDirectory,
            Path.Combine(_work.FullName, "everything-upstream.log"), new Dictionary<string, string> { ["PORT"] = Invariant(everythingPort) }));
        await echo.WaitForPortAsync(echoPort, TimeSpan.FromSeconds(30));
        await everything.WaitForPortAsync(everythingPort, TimeSpan.FromSeconds(30));
        var echoUrl = new Uri($"http://127.0.0.1:{echoPort}/mcp");
        var everythingUrl = new Uri($"http://127.0.0.1:{everythingPort}/mcp");
        var stdioCommand = new[] { "node", ServerEverything, "stdio" };

        var paths = new List<Route>
        {
            new(UpstreamKind.Echo, PathKind.Direct, new LoadTarget(echoUrl, null, ""), null, echo.CpuTime, null),
            await GatewayRouteAsync(UpstreamKind.Echo, PathKind.PortcullisMemory, "memory", Upstream(echoUrl), "", echo.CpuTime),
            await GatewayRouteAsync(UpstreamKind.Echo, PathKind.PortcullisSqlite, "sqlite:portcullis.db", Upstream(echoUrl), "", echo.CpuTime),
            await PeerRouteAsync(UpstreamKind.Echo, PathKind.McpProxy, "", echo.CpuTime, (port, log) => TargetProcess.Start("node",
                [Path.Combine(options.NodeDirectory, "peer-proxy.mjs"), Invariant(port), echoUrl.ToString()], options.NodeDirectory, log)),
            await PeerRouteAsync(UpstreamKind.Echo, PathKind.PassthroughMcpServer, "", echo.CpuTime, (port, log) => StartPassthrough(port, echoUrl, log)),
            await PeerRouteAsync(UpstreamKind.Echo, PathKind.BareForwarder, "", echo.CpuTime, (port, log) => TargetProcess.Start("dotnet",
                [typeof(LoadTestRunner).Assembly.Location, "forwarder", "--port", Invariant(port), "--upstream", echoUrl.ToString()], _work.FullName, log)),
            new(UpstreamKind.Everything, PathKind.Direct, new LoadTarget(everythingUrl, null, EverythingReplyPrefix), null, everything.CpuTime, null),
            await GatewayRouteAsync(UpstreamKind.Everything, PathKind.PortcullisMemory, "memory", Upstream(everythingUrl), EverythingReplyPrefix, everything.CpuTime),
            await GatewayRouteAsync(UpstreamKind.Everything, PathKind.PortcullisSqlite, "sqlite:portcullis.db", Upstream(everythingUrl), EverythingReplyPrefix,
                everything.CpuTime),
            await PeerRouteAsync(UpstreamKind.Everything, PathKind.PassthroughMcpServer, EverythingReplyPrefix, everything.CpuTime,
                (port, log) => StartPassthrough(port, everythingUrl, log)),
            await PeerRouteAsync(UpstreamKind.EverythingStdio, PathKind.Supergateway, EverythingReplyPrefix, null, (port, log) => TargetProcess.Start("node",
                [Path.Combine(options.NodeDirectory, "node_modules", "supergateway", "dist", "index.js"), "--stdio", string.Join(' ', stdioCommand.Select(Quote)),
                    "--outputTransport", "streamableHttp", "--stateful", "--port", Invariant(port), "--logLevel", "none"], options.NodeDirectory, log)),
            await GatewayRouteAsync(UpstreamKind.EverythingStdio, PathKind.PortcullisSqlite, "sqlite:portcullis.db", StdioUpstream(stdioCommand),
                EverythingReplyPrefix, null),
        };
        var idleAllocation = new Dictionary<Route, double?>();
        foreach (var path in paths)
        {
            await WarmUpAsync(path, cancellationToken);
            idleAllocation[path] = await MeasureIdleAllocationAsync(path, cancellationToken);
        }

        // Rounds interleave the paths, so a host that speeds up or slows down during the run (a
        // noisy neighbour, the upstream's own tiering) moves every path alike; each path reports
        // its median round.
        var rounds = paths.ToDictionary(p => p, _ => new List<RoundResult>());
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var path in paths)
            {
                rounds[path].Add(await MeasureRoundAsync(path, round, cancellationToken));
            }
        }

        var scenarios = paths.Select(path =>
        {
            var measured = rounds[path];
            var latency = measured.Select(r => r.Latency).OrderBy(l => l.P50Ms).ElementAt(measured.Count / 2);
            var throughput = options.Clients.ToDictionary(clients => clients,
                clients => measured.Select(r => r.Throughput[clients]).OrderBy(t => t.Run.CallsPerSecond).ElementAt(measured.Count / 2));
            return new ScenarioResult(path.Upstream, path.Path, latency, throughput, path.Process?.ResidentBytes(), path.Process?.PeakResidentBytes(),
                idleAllocation[path]);
        }).ToList();

        var startups = new List<StartupResult>();
        for (var run = 1; run <= options.StartupRuns; run++)
        {
            startups.Add(await MeasureStartupAsync(run, cancellationToken));
        }

        var idle = await MeasureIdleSessionsAsync(echoUrl, cancellationToken);
        var versions = NpmPackages.All.ToDictionary(package => package, package => NpmPackages.InstalledVersion(options.NodeDirectory, package));
        return new LoadTestResults(options, versions, scenarios, startups, idle);
    }

    public void Dispose()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            _running[i].Dispose();
        }

        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException e)
        {
            progress.WriteLine($"could not remove {_work.FullName}: {e.Message}");
        }
    }

    private async Task WarmUpAsync(Route path, CancellationToken cancellationToken)
    {
        // Long enough for tiered compilation (and V8's optimiser) to settle in every process before anything counts.
        progress.WriteLine($"{path.Name}: warm-up");
        await LoadRun.RunOnceAsync(path.Target, 8, options.WarmupCalls, TimeSpan.MaxValue, options.Deadline, cancellationToken);
        await LoadRun.RunOnceAsync(path.Target, 1, options.WarmupCalls, TimeSpan.MaxValue, options.Deadline, cancellationToken);
        foreach (var clients in options.Clients)
        {
            await LoadRun.RunOnceAsync(path.Target, clients, Math.Max(1, options.WarmupCalls / 4), TimeSpan.MaxValue, options.Deadline, cancellationToken);
        }

        if (options.WarmupDuration > TimeSpan.Zero)
        {
            await LoadRun.RunOnceAsync(path.Target, options.Clients[^1], int.MaxValue, options.WarmupDuration, options.Deadline, cancellationToken);
        }

    }

    /// <summary>
    /// What a gateway allocates a second with no calls coming in, once the warm-up's sessions have
    /// ended: the margin of a throughput run's allocation figure.
    /// </summary>
    private async Task<double?> MeasureIdleAllocationAsync(Route path, CancellationToken cancellationToken)
    {
        if (path.Allocations is null)
        {
            return null;
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var start = await path.Allocations.StartAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var idle = await path.Allocations.AllocatedAsync(start, DateTime.UtcNow, cancellationToken);
        // The measurement ends at the first publication after the second, so it spans a little more.
        var perSecond = idle / (Stopwatch.GetElapsedTime(started).TotalSeconds);
        progress.WriteLine($"{path.Name}: idle, {perSecond / 1024:F0} KB allocated a second");
        return perSecond;
    }

    private async Task<RoundResult> MeasureRoundAsync(Route path, int round, CancellationToken cancellationToken)
    {
        var latency = await LoadRun.RunOnceAsync(path.Target, 1, options.LatencyCalls, TimeSpan.MaxValue, options.Deadline, cancellationToken);
        var report = $"round {round}, {path.Name}: 1 client p50 {latency.P50Ms:F3} ms, p99 {latency.P99Ms:F3} ms";
        var throughput = new Dictionary<int, ThroughputResult>();
        foreach (var clients in options.Clients)
        {
            var measured = await MeasureThroughputAsync(path, clients, cancellationToken);
            throughput[clients] = measured;
            var pathCpu = measured.PathCpuMicrosPerCall is { } cpu ? $"{cpu:F0} µs" : "—";
            report += $"; {clients} clients {measured.Run.CallsPerSecond:F0} calls/s, CPU per call: path {pathCpu}, "
                + $"upstream {measured.UpstreamCpuMicrosPerCall:F0} µs, load generator {measured.LoadGeneratorCpuMicrosPerCall:F0} µs"
                + (measured.AllocatedBytesPerCall is { } allocated ? $", {allocated / 1024:F1} KB allocated" : "");
        }

        progress.WriteLine(report);
        return new RoundResult(latency, throughput);
    }

    /// <summary>
    /// One throughput run, with the CPU time of every process and the gateway's allocations taken
    /// around the calls alone: the sessions (and a stdio path's processes) are opened before and
    /// ended after.
    /// </summary>
    private async Task<ThroughputResult> MeasureThroughputAsync(Route path, int clients, CancellationToken cancellationToken)
    {
        await using var run = await LoadRun.OpenAsync(path.Target, clients, cancellationToken);
        var allocationStart = path.Allocations is null ? (AllocationCounter.Mark?)null : await path.Allocations.StartAsync(cancellationToken);
        using var self = Process.GetCurrentProcess();
        var pathCpu = path.Process?.CpuTime();
        var upstreamCpu = path.UpstreamCpu();
        var selfCpu = self.TotalProcessorTime;
        var result = await run.RunAsync(options.CallsPerClient ?? int.MaxValue, options.Duration, options.Deadline, cancellationToken);
        var ended = DateTime.UtcNow;
        self.Refresh();
        var perCall = (TimeSpan spent) => spent.TotalMicroseconds / result.Calls;
        var pathMicros = path.Process is null ? (double?)null : perCall(path.Process.CpuTime() - pathCpu!.Value);
        var upstreamMicros = perCall(path.UpstreamCpu() - upstreamCpu);
        var selfMicros = perCall(self.TotalProcessorTime - selfCpu);
        var allocated = path.Allocations is null ? (double?)null
            : (double)await path.Allocations.AllocatedAsync(allocationStart!.Value, ended, cancellationToken) / result.Calls;
        return new ThroughputResult(result, pathMicros, upstreamMicros, selfMicros, allocated);
    }

    /// <summary>
    /// One way to an upstream: its target, its own process (none for direct), where the upstream's
    /// CPU time is read, and the gateway's allocation counter (Portcullis only).
    /// </summary>
    private sealed record Route(UpstreamKind Upstream, PathKind Path, LoadTarget Target, TargetProcess? Process, Func<TimeSpan> UpstreamCpu,
        AllocationCounter? Allocations)
    {
        public string Name => $"{Upstream.Title()}, {Path.Title()}";
    }

    private sealed record RoundResult(LoadResult Latency, IReadOnlyDictionary<int, ThroughputResult> Throughput);

    /// <summary>The <c>servers[]</c> entry of an upstream reached over Streamable HTTP.</summary>
    private static Dictionary<string, object> Upstream(Uri url) => new() { ["url"] = url.ToString() };

    /// <summary>
    /// The <c>servers[]</c> entry of a stdio upstream, one process per session. The process caps
    /// (32 in all and 8 per grant by default) are raised so that every client of the largest
    /// level, all on one grant, gets its session, with room for processes still ending.
    /// </summary>
    private Dictionary<string, object> StdioUpstream(string[] command)
    {
        var processes = 2 * options.Clients.Max() + 8;
        return new()
        {
            ["command"] = command[0],
            ["args"] = command[1..],
            ["max_processes"] = processes,
            ["max_processes_per_grant"] = processes,
        };
    }

    /// <summary>Starts <c>portcullis serve</c> with one server and the load test's grant; it is measured for allocations.</summary>
    private async Task<Route> GatewayRouteAsync(UpstreamKind upstream, PathKind path, string store, Dictionary<string, object> server, string replyPrefix,
        Func<TimeSpan>? upstreamCpu)
    {
        var gateway = await StartGatewayAsync($"{upstream}-{path}".ToLowerInvariant(), store, server);
        Keep(gateway);
        var allocations = Keep(AllocationCounter.Attach(gateway.Process.Id));
        return new Route(upstream, path, new LoadTarget(gateway.Endpoint, Token, replyPrefix), gateway.Process,
            upstreamCpu ?? gateway.Process.DescendantsCpuTime, allocations);
    }

    /// <summary>Starts an npm peer listening on a free port at <c>/mcp</c>; without <paramref name="upstreamCpu"/> its upstream is its own children (stdio).</summary>
    private async Task<Route> PeerRouteAsync(UpstreamKind upstream, PathKind path, string replyPrefix, Func<TimeSpan>? upstreamCpu,
        Func<int, string, TargetProcess> start)
    {
        var port = FreePort();
        var process = Keep(start(port, Path.Combine(_work.FullName, $"{upstream}-{path}.log".ToLowerInvariant())));
        await process.WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        return new Route(upstream, path, new LoadTarget(new Uri($"http://127.0.0.1:{port}/mcp"), null, replyPrefix), process,
            upstreamCpu ?? process.DescendantsCpuTime, null);
    }

    /// <summary>passthrough-mcp-server's own CLI: HTTP on PORT in front of TARGET_SERVER_URL (to which it adds <c>/mcp</c>), one upstream session per client session.</summary>
    private TargetProcess StartPassthrough(int port, Uri upstream, string log) => TargetProcess.Start("node",
        [Path.Combine(options.NodeDirectory, "node_modules", "@civic", "passthrough-mcp-server", "dist", "cli.js")], options.NodeDirectory, log,
        new Dictionary<string, string>
        {
            ["PORT"] = Invariant(port),
            ["TARGET_SERVER_URL"] = upstream.GetLeftPart(UriPartial.Authority),
            ["TARGET_SERVER_MCP_PATH"] = upstream.AbsolutePath,
        });

    private async Task<ServingProcess> StartGatewayAsync(string name, string store, Dictionary<string, object> server)
    {
        var directory = _work.CreateSubdirectory(name);
        var port = FreePort();
        // The policy in its own directory, as the configuration guide advises: its watcher then
        // does not wake for every write to the SQLite file beside the configuration.
        File.WriteAllText(Path.Combine(directory.CreateSubdirectory("policies").FullName, "policy.json"), Policy);
        var entry = new Dictionary<string, object>(server) { ["id"] = ServerId, ["policy"] = "policies/policy.json" };
        var configuration = new Dictionary<string, object>
        {
            ["listen"] = $"http://127.0.0.1:{port}",
            ["store"] = store,
            ["servers"] = new[] { entry },
            ["grants"] = new[] { new Dictionary<string, object> { ["name"] = "load-test", ["servers"] = new[] { ServerId }, ["token"] = Token } },
        };
        File.WriteAllText(Path.Combine(directory.FullName, "portcullis.json"), JsonSerializer.Serialize(configuration, s_indented));
        var process = TargetProcess.Start("dotnet", [options.PortcullisDll, "serve", "--config", "portcullis.json"],
            directory.FullName, Path.Combine(directory.FullName, "gateway.log"));
        try
        {
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new ServingProcess(process, new Uri($"http://127.0.0.1:{port}/mcp/{ServerId}"));
    }

    private async Task<StartupResult> MeasureStartupAsync(int run, CancellationToken cancellationToken)
    {
        var directory = _work.CreateSubdirectory($"demo-{run}");
        var port = FreePort();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.GetTimestamp();
        using var demo = TargetProcess.Start("dotnet", [options.PortcullisDll, "serve", "--demo", "--listen", $"http://127.0.0.1:{port}"],
            directory.FullName, Path.Combine(directory.FullName, "demo.log"));
        await demo.WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Listening but not serving yet.
            }

            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"serve --demo was not healthy within 30 s; see {demo.LogPath}.");
            }

            await Task.Delay(5, cancellationToken);
        }

        var ready = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var result = new StartupResult(ready, demo.ResidentBytes());
        progress.WriteLine($"serve --demo start {run}: ready in {ready:F0} ms, {result.ResidentBytes / 1048576.0:F0} MB");
        return result;
    }

    private async Task<IdleSessionsResult> MeasureIdleSessionsAsync(Uri upstream, CancellationToken cancellationToken)
    {
        using var gateway = await StartGatewayAsync("sessions", "sqlite:portcullis.db", Upstream(upstream));
        var target = new LoadTarget(gateway.Endpoint, Token, "");
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 32, UseCookies = false, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        // One session and one call first, so the "before" figure is a gateway that has served traffic.
        var first = new McpLoadClient(http, target);
        await first.InitializeAsync(cancellationToken);
        if (await first.CallEchoAsync(cancellationToken) is { } problem)
        {
            throw new InvalidOperationException($"The first call through the gateway failed: {problem}");
        }

        await Task.Delay(1000, cancellationToken);
        var before = gateway.Process.ResidentBytes();

        progress.WriteLine($"opening {options.IdleSessions} idle sessions");
        var opened = 0;
        await Parallel.ForAsync(0, options.IdleSessions, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (_, ct) =>
        {
            await new McpLoadClient(http, target).InitializeAsync(ct);
            Interlocked.Increment(ref opened);
        });
        await Task.Delay(2000, cancellationToken);
        var after = gateway.Process.ResidentBytes();
        progress.WriteLine($"  {before / 1048576.0:F0} MB before, {after / 1048576.0:F0} MB with {opened} idle sessions");
        return new IdleSessionsResult(opened, before, after);
    }

    private T Keep<T>(T running)
        where T : IDisposable
    {
        _running.Add(running);
        return running;
    }

    /// <summary>One word of a command line that supergateway hands to a shell.</summary>
    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A started path under test and the MCP endpoint it serves.</summary>
internal sealed record ServingProcess(TargetProcess Process, Uri Endpoint) : IDisposable
{
    public void Dispose() => Process.Dispose();
}
