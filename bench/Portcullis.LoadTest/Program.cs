using System.CommandLine;
using Portcullis.LoadTest;

var port = new Option<int>("--port") { Description = "Loopback port for the upstream.", Required = true };
var upstream = new Command("upstream", "Run the echo upstream (started by 'run' in its own process).") { port };
upstream.SetAction((parseResult, cancellationToken) => EchoUpstream.RunAsync(parseResult.GetValue(port), cancellationToken));

var forwardTo = new Option<string>("--upstream") { Description = "The upstream MCP endpoint to forward to.", Required = true };
var forwarder = new Command("forwarder", "Run the bare forwarder (Kestrel + SocketsHttpHandler, no policy): the floor under any .NET proxy, to profile against.") { port, forwardTo };
forwarder.SetAction((parseResult, cancellationToken) =>
    BareForwarder.RunAsync(parseResult.GetValue(port), new Uri(parseResult.GetValue(forwardTo)!), cancellationToken));

var portcullis = new Option<string>("--portcullis") { Description = "The built gateway, portcullis.dll (Release).", Required = true };
var peer = new Option<string>("--peer") { Description = "The directory of the npm upstream and peers: peer-proxy.mjs and its installed node_modules (bench/Portcullis.LoadTest/node).", Required = true };
var clients = new Option<int[]>("--clients")
{
    Description = "The throughput levels: concurrent clients of each throughput run, e.g. --clients 16 32.",
    DefaultValueFactory = _ => [16, 32],
    AllowMultipleArgumentsPerToken = true,
};
var calls = new Option<int?>("--calls") { Description = "Calls per client in a throughput run; without it a run lasts --duration." };
var duration = new Option<double>("--duration") { Description = "Seconds a throughput run lasts at most (clients finish the call under way).", DefaultValueFactory = _ => 3 };
var latencyCalls = new Option<int>("--latency-calls") { Description = "Calls in the one-client latency run.", DefaultValueFactory = _ => 2000 };
var warmupCalls = new Option<int>("--warmup-calls") { Description = "Warm-up before measuring each path: 8 clients and 1 client this many calls each, then each throughput level a quarter of it.", DefaultValueFactory = _ => 300 };
var warmupSeconds = new Option<double>("--warmup-seconds")
{
    Description = "After the warm-up calls, seconds of calls at the highest throughput level: a gateway's SQLite path keeps getting cheaper for about 100,000 calls while tiered compilation replaces precompiled code.",
    DefaultValueFactory = _ => 20,
};
var sessions = new Option<int>("--idle-sessions") { Description = "Idle sessions to open for the memory measurement.", DefaultValueFactory = _ => 1000 };
var startups = new Option<int>("--startups") { Description = "How many times to time 'serve --demo' until healthy.", DefaultValueFactory = _ => 3 };
var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds over all paths; each path reports its median round.", DefaultValueFactory = _ => 5 };
var deadline = new Option<int>("--deadline") { Description = "Seconds after which a run stops even if calls remain.", DefaultValueFactory = _ => 120 };

clients.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int[]>() is { } levels && (levels.Length == 0 || levels.Any(level => level < 1)))
    {
        result.AddError($"--clients needs one or more client counts of at least 1 (got {string.Join(' ', levels)}).");
    }
});
calls.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int?>() is < 1 and var value)
    {
        result.AddError($"--calls must be at least 1 (got {value}).");
    }
});
warmupSeconds.Validators.Add(result =>
{
    if (result.GetValueOrDefault<double>() is < 0 and var value)
    {
        result.AddError($"--warmup-seconds must be 0 or more (got {value}).");
    }
});
duration.Validators.Add(result =>
{
    if (result.GetValueOrDefault<double>() is not > 0 and var value)
    {
        result.AddError($"--duration must be more than 0 seconds (got {value}).");
    }
});
foreach (var positive in new[] { latencyCalls, warmupCalls, sessions, startups, rounds, deadline })
{
    positive.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int>() < 1)
        {
            result.AddError($"{positive.Name} must be at least 1 (got {result.GetValueOrDefault<int>()}).");
        }
    });
}

var benchmarks = new Option<string?>("--benchmarks") { Description = "BenchmarkDotNet's results directory, whose GitHub tables go into the report." };
var findings = new Option<string?>("--findings") { Description = "A Markdown file appended to the report (profiling notes)." };
var output = new Option<string?>("--output") { Description = "Write the report here (docs/PERFORMANCE.md); otherwise print it." };
var command = new Option<string>("--command") { Description = "The command line the report says produced it.", DefaultValueFactory = _ => "bench/run.sh" };
var run = new Command("run", "Measure every path and write the report.")
{
    portcullis, peer, clients, calls, duration, latencyCalls, warmupCalls, warmupSeconds, sessions, startups, rounds, deadline, benchmarks, findings, output, command,
};
run.SetAction(async (parseResult, cancellationToken) =>
{
    var options = new LoadTestOptions(
        Path.GetFullPath(parseResult.GetValue(portcullis)!),
        Path.GetFullPath(parseResult.GetValue(peer)!),
        [.. parseResult.GetValue(clients)!.Distinct().Order()],
        parseResult.GetValue(calls),
        TimeSpan.FromSeconds(parseResult.GetValue(duration)),
        parseResult.GetValue(latencyCalls),
        parseResult.GetValue(warmupCalls),
        TimeSpan.FromSeconds(parseResult.GetValue(warmupSeconds)),
        parseResult.GetValue(sessions),
        parseResult.GetValue(startups),
        parseResult.GetValue(rounds),
        TimeSpan.FromSeconds(parseResult.GetValue(deadline)));
    if (!File.Exists(options.PortcullisDll) || !File.Exists(Path.Combine(options.NodeDirectory, "peer-proxy.mjs")))
    {
        Console.Error.WriteLine($"--portcullis must name the built portcullis.dll and --peer the directory of peer-proxy.mjs (got {options.PortcullisDll}, {options.NodeDirectory}).");
        return 2;
    }

    var missing = NpmPackages.All.Where(package => !Directory.Exists(Path.Combine(options.NodeDirectory, "node_modules", package))).ToList();
    if (missing.Count > 0)
    {
        Console.Error.WriteLine($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed in {options.NodeDirectory}: run 'npm ci' there.");
        return 2;
    }

    LoadTestResults results;
    using (var runner = new LoadTestRunner(options, Console.Error))
    {
        results = await runner.RunAsync(cancellationToken);
    }

    var findingsPath = parseResult.GetValue(findings);
    var report = PerformanceReport.Compose(results, new BenchmarkTables(parseResult.GetValue(benchmarks)), Machine.Describe(),
        parseResult.GetValue(command)!, findingsPath is null ? null : await File.ReadAllTextAsync(findingsPath, cancellationToken));
    if (parseResult.GetValue(output) is { } path)
    {
        await File.WriteAllTextAsync(path, report, cancellationToken);
        Console.Error.WriteLine($"wrote {path}");
    }
    else
    {
        Console.Out.Write(report);
    }

    return 0;
});

var endpoint = new Option<string>("--endpoint") { Description = "The MCP endpoint to load, e.g. http://127.0.0.1:8787/mcp/echo.", Required = true };
var token = new Option<string?>("--token") { Description = "Bearer token to send." };
var prefix = new Option<string>("--reply-prefix") { Description = "What the echo tool puts before the message (server-everything: 'Echo: ').", DefaultValueFactory = _ => "" };
var driveClients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 32 };
var driveCalls = new Option<int>("--calls") { Description = "Calls per client.", DefaultValueFactory = _ => 500 };
var drive = new Command("drive", "Load one endpoint that serves an echo tool (to profile a running gateway).") { endpoint, token, prefix, driveClients, driveCalls };
drive.SetAction(async (parseResult, cancellationToken) =>
{
    var target = new LoadTarget(new Uri(parseResult.GetValue(endpoint)!), parseResult.GetValue(token), parseResult.GetValue(prefix)!);
    var result = await LoadRun.RunOnceAsync(target, parseResult.GetValue(driveClients), parseResult.GetValue(driveCalls), TimeSpan.MaxValue,
        TimeSpan.FromMinutes(10), cancellationToken);
    Console.Out.WriteLine($"{result.Calls} calls in {result.Seconds:F1} s: {result.CallsPerSecond:F0} calls/s, p50 {result.P50Ms:F3} ms, p90 {result.P90Ms:F3} ms, p99 {result.P99Ms:F3} ms");
});

return new RootCommand("Portcullis end-to-end load test: direct, through Portcullis, and through npm peers.") { upstream, forwarder, run, drive }
    .Parse(args).Invoke();
