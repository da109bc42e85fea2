namespace Portcullis.LoadTest;

/// <summary>One way of reaching the upstream, measured at one client and at many: its median rounds.</summary>
internal sealed record ScenarioResult(string Name, LoadResult Latency, LoadResult Throughput, long? ResidentBytes, long? PeakResidentBytes,
    double? PathCpuMicrosPerCall, double UpstreamCpuMicrosPerCall);

/// <summary>One start of <c>serve --demo</c>: until <c>/healthz</c> answered, and the memory then.</summary>
internal sealed record StartupResult(double ReadyMilliseconds, long ResidentBytes);

/// <summary>The gateway's memory before and after opening many sessions that then stay idle.</summary>
internal sealed record IdleSessionsResult(int Sessions, long ResidentBytesBefore, long ResidentBytesAfter);

/// <summary>Everything one run of the load test measured.</summary>
internal sealed record LoadTestResults(
    LoadTestOptions Options,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<StartupResult> Startups,
    IdleSessionsResult IdleSessions);

/// <summary>How hard and how long to push.</summary>
internal sealed record LoadTestOptions(
    string PortcullisDll,
    string PeerDirectory,
    int Clients,
    int CallsPerClient,
    int LatencyCalls,
    int WarmupCalls,
    int IdleSessions,
    int StartupRuns,
    int Rounds,
    TimeSpan Deadline);
