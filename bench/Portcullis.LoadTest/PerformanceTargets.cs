using System.Globalization;

namespace Portcullis.LoadTest;

/// <summary>One row of the targets table: what is aimed at, what one run measured, and whether it holds (null: not measured).</summary>
internal sealed record Target(string Description, string Measured, bool? Met);

/// <summary>
/// The performance targets, checked against one run. Rows that name no upstream are against the C#
/// echo upstream; throughput targets without a stated level of their own hold at
/// <see cref="GoalClients"/> clients.
/// </summary>
internal static class PerformanceTargets
{
    /// <summary>The throughput level the goals for the SQLite store, CPU per call and the npm peers are set at.</summary>
    public const int GoalClients = 16;

    private static readonly PathKind[] Stores = [PathKind.PortcullisMemory, PathKind.PortcullisSqlite];

    public static IReadOnlyList<Target> Evaluate(LoadTestResults results, BenchmarkTables benchmarks)
    {
        var targets = new List<Target>();
        var largest = results.Options.Clients.Max();
        foreach (var upstream in new[] { UpstreamKind.Echo, UpstreamKind.Everything })
        {
            var direct = Require(results, upstream, PathKind.Direct);
            var memory = Require(results, upstream, PathKind.PortcullisMemory);
            var passthrough = Require(results, upstream, PathKind.PassthroughMcpServer);
            var mcpProxy = results.Find(upstream, PathKind.McpProxy);
            foreach (var store in Stores)
            {
                var scenario = Require(results, upstream, store);
                var name = upstream == UpstreamKind.Echo ? store.Title() : $"{store.Title()}, {upstream.Title()}";
                var addedP50 = scenario.Latency.P50Ms - direct.Latency.P50Ms;
                var addedP99 = scenario.Latency.P99Ms - direct.Latency.P99Ms;
                targets.Add(new($"{name}: added p50 ≤ 0.3 ms (1 client)", Invariant($"{addedP50:F3} ms"), addedP50 <= 0.3));
                targets.Add(new($"{name}: added p99 ≤ 2 ms (1 client)", Invariant($"{addedP99:F3} ms"), addedP99 <= 2));
                if (upstream == UpstreamKind.Echo)
                {
                    targets.Add(Ratio($"{name}: throughput ≥ 0.7 × direct at {largest} clients", scenario, direct, largest, 0.7));
                    if (mcpProxy is not null)
                    {
                        targets.Add(Ratio($"{name}: throughput ≥ 3 × mcp-proxy's at {largest} clients", scenario, mcpProxy, largest, 3));
                    }
                }
                else
                {
                    targets.Add(Ratio($"{name}: throughput ≥ 0.9 × direct at {GoalClients} clients", scenario, direct, GoalClients, 0.9));
                }

                targets.Add(Ratio($"{name}: throughput ≥ 1.5 × passthrough-mcp-server's at {GoalClients} clients", scenario, passthrough, GoalClients, 1.5));
                targets.Add(store == PathKind.PortcullisMemory
                    ? GatewayCpu($"{name}: gateway CPU per call ≤ 40 µs at {GoalClients} clients", scenario, limitMicros: 40)
                    : CpuAgainstMemory($"{name}: gateway CPU per call ≤ 1.15 × the memory store's at {GoalClients} clients", scenario, memory));
            }
        }

        var stdio = Require(results, UpstreamKind.EverythingStdio, PathKind.PortcullisSqlite);
        var supergateway = Require(results, UpstreamKind.EverythingStdio, PathKind.Supergateway);
        targets.Add(Ratio($"{stdio.Name}, {UpstreamKind.EverythingStdio.Title()}: throughput ≥ 1.1 × supergateway's at {GoalClients} clients",
            stdio, supergateway, GoalClients, 1.1));

        var idle = results.IdleSessions;
        targets.Add(new($"{idle.Sessions:N0} idle sessions ≤ 150 MB resident", PerformanceReport.Megabytes(idle.ResidentBytesAfter),
            idle.ResidentBytesAfter <= 150L * 1048576));
        var slowestStart = results.Startups.Max(s => s.ReadyMilliseconds);
        targets.Add(new($"`serve --demo` ready ≤ 3 s (slowest of {results.Startups.Count})", Invariant($"{slowestStart:N0} ms"), slowestStart <= 3000));
        var evaluation = benchmarks.Cell("PolicyEvaluationBenchmark", "'brief policy, allowed call'", "Mean");
        var evaluationBytes = benchmarks.Cell("PolicyEvaluationBenchmark", "'brief policy, allowed call'", "Allocated");
        if (evaluation is not null)
        {
            var noAllocation = evaluationBytes is "-" or "0 B";
            var underMicrosecond = evaluation.EndsWith(" ns", StringComparison.Ordinal);
            targets.Add(new("allowed-call evaluation ≤ 1 µs, 0 B allocated", $"{evaluation}, {(noAllocation ? "0 B" : evaluationBytes)}", noAllocation && underMicrosecond));
        }

        if (benchmarks.Cell("ArgumentValidationBenchmark", "'server schema, typical valid call'", "Mean") is { } validation)
        {
            targets.Add(new("argument validation of a typical call ≤ 5 µs", validation, PerformanceReport.Microseconds(validation) <= 5));
        }

        return targets;
    }

    /// <summary>Throughput of <paramref name="scenario"/> over <paramref name="other"/>'s at <paramref name="clients"/> clients, at least <paramref name="minimum"/>.</summary>
    private static Target Ratio(string description, ScenarioResult scenario, ScenarioResult other, int clients, double minimum)
    {
        if (!scenario.Throughput.TryGetValue(clients, out var mine) || !other.Throughput.TryGetValue(clients, out var theirs))
        {
            return NotMeasured(description, clients);
        }

        var ratio = mine.Run.CallsPerSecond / theirs.Run.CallsPerSecond;
        return new(description, Invariant($"{ratio:F2} ×"), ratio >= minimum);
    }

    private static Target GatewayCpu(string description, ScenarioResult scenario, double limitMicros) =>
        scenario.Throughput.TryGetValue(GoalClients, out var measured) && measured.PathCpuMicrosPerCall is { } cpu
            ? new(description, Invariant($"{cpu:F0} µs"), cpu <= limitMicros)
            : NotMeasured(description, GoalClients);

    private static Target CpuAgainstMemory(string description, ScenarioResult scenario, ScenarioResult memory)
    {
        if (!scenario.Throughput.TryGetValue(GoalClients, out var mine) || !memory.Throughput.TryGetValue(GoalClients, out var theirs)
            || mine.PathCpuMicrosPerCall is not { } cpu || theirs.PathCpuMicrosPerCall is not { } memoryCpu)
        {
            return NotMeasured(description, GoalClients);
        }

        var ratio = cpu / memoryCpu;
        return new(description, Invariant($"{cpu:F0} µs, {ratio:F2} ×"), ratio <= 1.15);
    }

    private static Target NotMeasured(string description, int clients) => new(description, $"not measured (no {clients}-client run)", null);

    private static ScenarioResult Require(LoadTestResults results, UpstreamKind upstream, PathKind path) =>
        results.Find(upstream, path) ?? throw new InvalidOperationException($"The run has no {path.Title()} row for {upstream.Title()}.");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
