namespace Portcullis.LoadTest;

/// <summary>A throughput run's median round: the run, and the CPU time and allocations each call cost.</summary>
/// <param name="PathCpuMicrosPerCall">The path's own process (gateway or proxy); null for direct.</param>
/// <param name="UpstreamCpuMicrosPerCall">The upstream's process, or the processes a path started for its sessions (stdio).</param>
/// <param name="LoadGeneratorCpuMicrosPerCall">This process, which plays the clients.</param>
/// <param name="AllocatedBytesPerCall">Bytes the gateway allocated; null for paths without a .NET gateway.</param>
internal sealed record ThroughputResult(LoadResult Run, double? PathCpuMicrosPerCall, double UpstreamCpuMicrosPerCall, double LoadGeneratorCpuMicrosPerCall,
    double? AllocatedBytesPerCall);

/// <summary>One way of reaching one upstream, measured at one client and at each throughput level: its median rounds.</summary>
/// <param name="IdleAllocatedBytesPerSecond">What the gateway allocated a second with no calls, after its warm-up; null for paths without a .NET gateway.</param>
internal sealed record ScenarioResult(UpstreamKind Upstream, PathKind Path, LoadResult Latency, IReadOnlyDictionary<int, ThroughputResult> Throughput,
    long? ResidentBytes, long? PeakResidentBytes, double? IdleAllocatedBytesPerSecond)
{
    public string Name => Path.Title();
}

/// <summary>One start of <c>serve --demo</c>: until <c>/healthz</c> answered, and the memory then.</summary>
internal sealed record StartupResult(double ReadyMilliseconds, long ResidentBytes);

/// <summary>The gateway's memory before and after opening many sessions that then stay idle.</summary>
internal sealed record IdleSessionsResult(int Sessions, long ResidentBytesBefore, long ResidentBytesAfter);

/// <summary>Everything one run of the load test measured.</summary>
/// <param name="NpmVersions">The installed version of each npm package the run started, by package name.</param>
internal sealed record LoadTestResults(
    LoadTestOptions Options,
    IReadOnlyDictionary<string, string> NpmVersions,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<StartupResult> Startups,
    IdleSessionsResult IdleSessions)
{
    /// <summary>The scenario of <paramref name="path"/> to <paramref name="upstream"/>, if it was measured.</summary>
    public ScenarioResult? Find(UpstreamKind upstream, PathKind path) => Scenarios.FirstOrDefault(s => s.Upstream == upstream && s.Path == path);

    /// <summary>The row the others of <paramref name="upstream"/> are compared with: direct, or for stdio (which has no direct HTTP path) supergateway.</summary>
    public ScenarioResult? Baseline(UpstreamKind upstream) => Find(upstream, upstream.BaselinePath());
}

/// <summary>How hard and how long to push.</summary>
/// <param name="NodeDirectory">The directory of the npm upstream and peers (package.json, node_modules, peer-proxy.mjs).</param>
/// <param name="Clients">The throughput levels: concurrent clients, one run per level per round.</param>
/// <param name="CallsPerClient">A throughput run's calls per client, or null to run for <paramref name="Duration"/> only.</param>
/// <param name="Duration">How long a throughput run lasts at most.</param>
internal sealed record LoadTestOptions(
    string PortcullisDll,
    string NodeDirectory,
    IReadOnlyList<int> Clients,
    int? CallsPerClient,
    TimeSpan Duration,
    int LatencyCalls,
    int WarmupCalls,
    TimeSpan WarmupDuration,
    int IdleSessions,
    int StartupRuns,
    int Rounds,
    TimeSpan Deadline);
