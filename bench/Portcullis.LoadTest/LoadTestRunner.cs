using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Portcullis.LoadTest;

/// <summary>
/// Runs every path to one upstream process on loopback — direct, Portcullis with in-memory
/// counters, Portcullis with SQLite counters, the npm peer proxy — in interleaved rounds; then the
/// gateway's start-up time and its memory with many idle sessions.
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

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("portcullis-load-");

    public async Task<LoadTestResults> RunAsync(CancellationToken cancellationToken)
    {
        progress.WriteLine($"work directory: {_work.FullName}");
        var upstreamPort = FreePort();
        using var upstream = TargetProcess.Start("dotnet", [typeof(LoadTestRunner).Assembly.Location, "upstream", "--port", $"{upstreamPort}"],
            _work.FullName, Path.Combine(_work.FullName, "upstream.log"));
        await upstream.WaitForPortAsync(upstreamPort, TimeSpan.FromSeconds(30));
        var upstreamUrl = new Uri($"http://127.0.0.1:{upstreamPort}/mcp");

        using var memory = await StartGatewayAsync("memory", "memory", upstreamUrl);
        using var sqlite = await StartGatewayAsync("sqlite", "sqlite:portcullis.db", upstreamUrl);
        using var peer = await StartPeerAsync(upstreamUrl);
        Route[] paths =
        [
            new Route("direct", upstreamUrl, null, null),
            new("Portcullis, memory store", memory.Endpoint, Token, memory.Process),
            new("Portcullis, SQLite store", sqlite.Endpoint, Token, sqlite.Process),
            new("mcp-proxy (npm)", peer.Endpoint, null, peer.Process),
        ];
        foreach (var path in paths)
        {
            await WarmUpAsync(path, cancellationToken);
        }

        // Rounds interleave the paths, so a host that speeds up or slows down during the run (a
        // noisy neighbour, the upstream's own tiering) moves every path alike; each path reports
        // its median round.
        var rounds = paths.ToDictionary(p => p, _ => new List<RoundResult>());
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var path in paths)
            {
                rounds[path].Add(await MeasureRoundAsync(path, round, upstream, cancellationToken));
            }
        }

        var scenarios = paths.Select(path =>
        {
            var measured = rounds[path];
            var latency = measured.Select(r => r.Latency).OrderBy(l => l.P50Ms).ElementAt(measured.Count / 2);
            var throughput = measured.OrderBy(r => r.Throughput.CallsPerSecond).ElementAt(measured.Count / 2);
            return new ScenarioResult(path.Name, latency, throughput.Throughput, path.Process?.ResidentBytes(), path.Process?.PeakResidentBytes(),
                throughput.PathCpuMicros, throughput.UpstreamCpuMicros);
        }).ToList();

        var startups = new List<StartupResult>();
        for (var run = 1; run <= options.StartupRuns; run++)
        {
            startups.Add(await MeasureStartupAsync(run, cancellationToken));
        }

        var idle = await MeasureIdleSessionsAsync(upstreamUrl, cancellationToken);
        return new LoadTestResults(options, scenarios, startups, idle);
    }

    public void Dispose()
    {
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
        // Long enough for tiered compilation to settle in every process before anything counts.
        progress.WriteLine($"{path.Name}: warm-up");
        await LoadRun.RunAsync(path.Endpoint, path.Token, 8, options.WarmupCalls, options.Deadline, cancellationToken);
        await LoadRun.RunAsync(path.Endpoint, path.Token, 1, options.WarmupCalls, options.Deadline, cancellationToken);
        await LoadRun.RunAsync(path.Endpoint, path.Token, options.Clients, options.WarmupCalls / 4, options.Deadline, cancellationToken);
    }

    private async Task<RoundResult> MeasureRoundAsync(Route path, int round, TargetProcess upstream, CancellationToken cancellationToken)
    {
        var latency = await LoadRun.RunAsync(path.Endpoint, path.Token, 1, options.LatencyCalls, options.Deadline, cancellationToken);
        var pathCpu = path.Process?.CpuTime();
        var upstreamCpu = upstream.CpuTime();
        var throughput = await LoadRun.RunAsync(path.Endpoint, path.Token, options.Clients, options.CallsPerClient, options.Deadline, cancellationToken);
        var pathMicros = path.Process is null ? (double?)null : (path.Process.CpuTime() - pathCpu!.Value).TotalMicroseconds / throughput.Calls;
        var upstreamMicros = (upstream.CpuTime() - upstreamCpu).TotalMicroseconds / throughput.Calls;
        progress.WriteLine($"round {round}, {path.Name}: 1 client p50 {latency.P50Ms:F3} ms, p99 {latency.P99Ms:F3} ms; "
            + $"{options.Clients} clients {throughput.CallsPerSecond:F0} calls/s, CPU per call: path {pathMicros:F0} µs, upstream {upstreamMicros:F0} µs");
        return new RoundResult(latency, throughput, pathMicros, upstreamMicros);
    }

    /// <summary>One way to the upstream: its endpoint, the token it wants, and its own process (none for direct).</summary>
    private sealed record Route(string Name, Uri Endpoint, string? Token, TargetProcess? Process);

    private sealed record RoundResult(LoadResult Latency, LoadResult Throughput, double? PathCpuMicros, double UpstreamCpuMicros);

    private async Task<ServingProcess> StartGatewayAsync(string name, string store, Uri upstream)
    {
        var directory = _work.CreateSubdirectory(name);
        var port = FreePort();
        // The policy in its own directory, as the configuration guide advises: its watcher then
        // does not wake for every write to the SQLite file beside the configuration.
        File.WriteAllText(Path.Combine(directory.CreateSubdirectory("policies").FullName, "policy.json"), Policy);
        File.WriteAllText(Path.Combine(directory.FullName, "portcullis.json"), $$"""
            {
              "listen": "http://127.0.0.1:{{port}}",
              "store": "{{store}}",
              "servers": [ { "id": "{{ServerId}}", "url": "{{upstream}}", "policy": "policies/policy.json" } ],
              "grants": [ { "name": "load-test", "servers": ["{{ServerId}}"], "token": "{{Token}}" } ]
            }
            """);
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

    private async Task<ServingProcess> StartPeerAsync(Uri upstream)
    {
        var port = FreePort();
        var process = TargetProcess.Start("node", [Path.Combine(options.PeerDirectory, "peer-proxy.mjs"), $"{port}", upstream.ToString()],
            options.PeerDirectory, Path.Combine(_work.FullName, "peer.log"));
        try
        {
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new ServingProcess(process, new Uri($"http://127.0.0.1:{port}/mcp"));
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
        using var gateway = await StartGatewayAsync("sessions", "sqlite:portcullis.db", upstream);
        var endpoint = gateway.Endpoint;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 32, UseCookies = false, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        // One session and one call first, so the "before" figure is a gateway that has served traffic.
        var first = new McpLoadClient(http, endpoint, Token);
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
            await new McpLoadClient(http, endpoint, Token).InitializeAsync(ct);
            Interlocked.Increment(ref opened);
        });
        await Task.Delay(2000, cancellationToken);
        var after = gateway.Process.ResidentBytes();
        progress.WriteLine($"  {before / 1048576.0:F0} MB before, {after / 1048576.0:F0} MB with {opened} idle sessions");
        return new IdleSessionsResult(opened, before, after);
    }

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
