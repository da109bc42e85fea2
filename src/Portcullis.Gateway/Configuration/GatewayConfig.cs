using System.Collections.Immutable;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Configuration;

/// <summary>The gateway's configuration after validation: secrets resolved, policies compiled.</summary>
internal sealed record GatewayConfig
{
    /// <summary>The URL Kestrel listens on, e.g. <c>http://127.0.0.1:8787</c>.</summary>
    public required Uri Listen { get; init; }

    /// <summary>Where state is kept: SQLite (the default for configuration files), memory, or Redis + PostgreSQL.</summary>
    public StoreConfig Store { get; init; } = StoreConfig.Memory;

    /// <summary>Who may use the admin API.</summary>
    public System.Collections.Immutable.ImmutableArray<AdminConfig> Admins { get; init; } = [];

    /// <summary>Audit sinks, checkpoints and retention.</summary>
    public AuditConfig Audit { get; init; } = new();

    /// <summary>What limited calls get while the counter store is unreachable.</summary>
    public FailMode FailMode { get; init; } = FailMode.Closed;

    /// <summary>Browser origins allowed to call the MCP endpoints; requests with any other <c>Origin</c> get 403.</summary>
    public ImmutableArray<string> AllowedOrigins { get; init; } = [];

    /// <summary>
    /// Host names the gateway answers to (the <c>Host</c> header, without port). Empty means: the
    /// loopback names when listening on loopback, any host otherwise. Guards against DNS rebinding.
    /// </summary>
    public ImmutableArray<string> AllowedHosts { get; init; } = [];

    /// <summary>The upstream servers by id.</summary>
    public ImmutableArray<UpstreamServerConfig> Servers { get; init; } = [];

    /// <summary>The grants declared in the file.</summary>
    public ImmutableArray<GrantConfig> Grants { get; init; } = [];

    /// <summary>How long a session may go unused before the gateway ends it (and its upstream session).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often a held call's open answer gets a keep-alive comment (or a progress notification).</summary>
    public TimeSpan ApprovalHeartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest accepted request body.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest JSON response body read from an upstream.</summary>
    public long MaxUpstreamResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The default of <see cref="MaxArgumentDepth"/>.</summary>
    public const int DefaultArgumentDepth = 64;

    /// <summary>The highest <see cref="MaxArgumentDepth"/> accepted: deeper nesting only serves attacks on recursive parsers.</summary>
    public const int ArgumentDepthCeiling = 256;

    /// <summary>How deeply a call's <c>arguments</c> may nest (the arguments object itself is level 1); deeper messages are refused.</summary>
    public int MaxArgumentDepth { get; init; } = DefaultArgumentDepth;

    /// <summary>Metrics and traces: a Prometheus scrape endpoint and an OTLP exporter.</summary>
    public TelemetryConfig Telemetry { get; init; } = new();

    /// <summary>
    /// <c>env:NAME</c> secrets whose variable is not set in this process. The parts that hold them
    /// are left out (an admin, a grant) or refuse to run (a server, the audit log); serving needs none.
    /// </summary>
    public ImmutableArray<ConfigError> UnsetSecrets { get; init; } = [];

    /// <summary>Errors in the servers' policy files: they stop serving, not commands that leave policies alone.</summary>
    public ImmutableArray<ConfigError> PolicyProblems { get; init; } = [];

    /// <summary>What serving does when a server's policy file has errors: refuse to start, or serve the newest stored version.</summary>
    public InvalidPolicyFile OnInvalidPolicyFile { get; init; } = InvalidPolicyFile.Refuse;

    /// <summary>
    /// What stops serving one server (<paramref name="serverId"/>, as the stdio front does) or all of
    /// them (null): the secrets they, the audit log and (for all) the admins and grants need, and
    /// their policy files' errors unless stored versions may serve instead.
    /// </summary>
    public IReadOnlyList<ConfigError> ProblemsForServing(string? serverId = null)
    {
        var servers = Servers.Where(s => serverId is null || s.Id == serverId).ToList();
        IEnumerable<ConfigError> secrets = serverId is null
            ? UnsetSecrets
            : [.. Audit.UnsetCheckpointKey is { } key ? [key] : Array.Empty<ConfigError>(), .. servers.SelectMany(s => s.UnsetSecrets)];
        var policies = OnInvalidPolicyFile == InvalidPolicyFile.Refuse ? servers.SelectMany(s => s.PolicyProblems) : [];
        return [.. secrets, .. policies];
    }
}

/// <summary>What serving does at start-up when a server's policy file has errors.</summary>
internal enum InvalidPolicyFile
{
    /// <summary>Do not start; the errors are reported.</summary>
    Refuse,

    /// <summary>Start on the newest stored version of that server's policy, with a warning; the file is imported once it is valid.</summary>
    UseStored,
}

/// <summary>One upstream MCP server, reached over Streamable HTTP or started as a command that speaks stdio.</summary>
internal sealed record UpstreamServerConfig
{
    /// <summary>The server's id; its MCP URL on the gateway is <c>/mcp/{id}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The upstream's Streamable HTTP endpoint; <c>stdio://{id}</c> for a command.</summary>
    public required Uri Url { get; init; }

    /// <summary>The command that starts a stdio upstream, one process per gateway session.</summary>
    public string? Command { get; init; }

    /// <summary>The command's arguments.</summary>
    public ImmutableArray<string> Arguments { get; init; } = [];

    /// <summary>Environment variables for the command (secrets resolved); nothing else of the gateway's environment is passed but PATH, HOME and LANG.</summary>
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Static headers sent upstream with every request (secrets already resolved).</summary>
    public ImmutableDictionary<string, string> Headers { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The policy file, watched for changes; null for a policy supplied in memory.</summary>
    public string? PolicyPath { get; init; }

    /// <summary>The policy file as the configuration was loaded, parsed; null for a policy in memory or a file that could not be read.</summary>
    public LoadedPolicyFile? PolicyFile { get; init; }

    /// <summary>The policy text, when supplied in memory (the demo) instead of a file.</summary>
    public string? PolicyText { get; init; }

    /// <summary>Methods outside the MCP revisions the gateway speaks that may pass to and from this server anyway.</summary>
    public ImmutableArray<string> AllowMethods { get; init; } = [];

    /// <summary>What happens to the <c>instructions</c> of this server's <c>initialize</c> answer; relayed unchanged by default.</summary>
    public UpstreamInstructions Instructions { get; init; } = UpstreamInstructions.Keep;

    /// <summary>What the gateway tolerates from this server before it answers the client with an error itself.</summary>
    public UpstreamLimits Limits { get; init; } = new();

    /// <summary>Header or environment secrets of this server whose variable is not set; the server cannot be reached until they are.</summary>
    public ImmutableArray<ConfigError> UnsetSecrets { get; init; } = [];

    /// <summary>Errors in this server's policy file (empty when it is valid).</summary>
    public ImmutableArray<ConfigError> PolicyProblems { get; init; } = [];

    /// <summary>The operator's description of the server, which the risk classifier weighs with what the server says of itself.</summary>
    public string? Description { get; init; }

    /// <summary>The operator's verdicts on tools of this server, by exact tool name, which replace the risk classifier's.</summary>
    public ImmutableDictionary<string, RiskOverride> RiskOverrides { get; init; } = ImmutableDictionary<string, RiskOverride>.Empty;

    /// <summary>How the server's tool definitions are pinned; trust on first use by default.</summary>
    public PinningMode Pinning { get; init; } = PinningMode.Tofu;
}

/// <summary>
/// Bounds on one upstream's answers, so a server that hangs, floods or fails cannot hold the
/// gateway's memory, connections or clients, nor slow calls to other servers.
/// </summary>
internal sealed record UpstreamLimits
{
    /// <summary>How long the server may take to answer a request, from sending it to the end of the answer (time held for approval does not count).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest JSON answer, largest single event of a streamed answer, and largest whole streamed answer to one request.</summary>
    public long MaxResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How deeply one message from the server may nest.</summary>
    public int MaxResponseDepth { get; init; } = 128;

    /// <summary>Requests in flight to the server at once; more are refused at once rather than queued.</summary>
    public int MaxConcurrentCalls { get; init; } = 64;

    /// <summary>For a server started as a command: how many of its processes (one per session) may run at once; another initialize is refused.</summary>
    public int MaxProcesses { get; init; } = 32;

    /// <summary>For a server started as a command: how many of its processes one grant's sessions may hold at once.</summary>
    public int MaxProcessesPerGrant { get; init; } = 8;

    /// <summary>When to stop sending to a failing server for a while; null turns the breaker off.</summary>
    public CircuitBreakerSettings? CircuitBreaker { get; init; } = new();
}

/// <summary>A circuit breaker over one upstream's answers: failures are connection errors, timeouts, 5xx statuses and answers that are not JSON-RPC.</summary>
internal sealed record CircuitBreakerSettings
{
    /// <summary>The share of failed requests in <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>How many requests <see cref="SamplingDuration"/> must see before the ratio counts.</summary>
    public int MinimumThroughput { get; init; } = 10;

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before one request probes the server again.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>A grant declared in the configuration file.</summary>
internal sealed record GrantConfig
{
    /// <summary>The grant's unique name.</summary>
    public required string Name { get; init; }

    /// <summary>The servers the grant may use.</summary>
    public required ImmutableArray<string> Servers { get; init; }

    /// <summary>The bearer token (resolved from <c>env:NAME</c>); only its hash is kept after start-up.</summary>
    public required string Token { get; init; }

    /// <summary>Labels visible to policies as <c>grant.labels.*</c>.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When the grant stops working, if ever.</summary>
    public DateTimeOffset? Expires { get; init; }
}
