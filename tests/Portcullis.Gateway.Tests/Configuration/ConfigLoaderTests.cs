using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-config-").FullName;

    public ConfigLoaderTests()
    {
        // Redis and PostgreSQL addresses are checked by the backends' parsers, as the command line installs them.
        ConfiguredStores.InstallAddressChecks();
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "deny", "tools": {"code_generate": {}}}""");
        File.WriteAllText(Path.Combine(_directory, "bad.json"), """{"version": "1", "tools": {"t": {"action": "block"}}}""");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_ValidFile_ResolvesSecretsAndPolicyPaths()
    {
        var env = new Dictionary<string, string> { ["ALICE_TOKEN"] = "alice-token-0123456789abcdef", ["CODEX_KEY"] = "sk-upstream" };

        var (config, errors) = Load("""
            {
              "listen": "http://127.0.0.1:9000",
              "store": "memory",
              "allowed_origins": ["http://localhost:3000"],
              "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "headers": { "X-Api-Key": "env:CODEX_KEY" }, "policy": "codex.json" }],
              "grants": [{ "name": "alice", "servers": ["codex"], "token": "env:ALICE_TOKEN", "labels": { "team": "platform" }, "expires": "2030-01-01T00:00:00Z" }]
            }
            """, env);

        Assert.Empty(errors);
        Assert.Equal(9000, config!.Listen.Port);
        var server = Assert.Single(config.Servers);
        Assert.Equal("sk-upstream", server.Headers["X-Api-Key"]);
        Assert.Equal(Path.Combine(_directory, "codex.json"), server.PolicyPath);
        var grant = Assert.Single(config.Grants);
        Assert.Equal(("alice-token-0123456789abcdef", "platform"), (grant.Token, grant.Labels["team"]));
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), grant.Expires);
    }

    [Fact]
    public void Load_UpstreamLimits_AreReadWithTheirDefaults()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "servers": [
                { "id": "a", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json", "timeout": "1500ms", "max_response_bytes": 2048,
                  "max_response_depth": 32, "max_concurrent_calls": 3, "allow_methods": ["vendor/reindex"],
                  "circuit_breaker": { "failure_ratio": 0.25, "minimum_throughput": 4, "sampling_duration": "10s", "break_duration": 2 } },
                { "id": "b", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json", "circuit_breaker": false },
                { "id": "c", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }
              ]
            }
            """, []);

        Assert.Empty(errors);
        var a = config!.Servers[0];
        Assert.Equal(TimeSpan.FromMilliseconds(1500), a.Limits.Timeout);
        Assert.Equal((2048L, 32, 3), (a.Limits.MaxResponseBytes, a.Limits.MaxResponseDepth, a.Limits.MaxConcurrentCalls));
        Assert.Equal(new CircuitBreakerSettings { FailureRatio = 0.25, MinimumThroughput = 4, SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromSeconds(2) },
            a.Limits.CircuitBreaker);
        Assert.Equal(["vendor/reindex"], a.AllowMethods);
        Assert.Null(config.Servers[1].Limits.CircuitBreaker);
        Assert.Equal(new UpstreamLimits(), config.Servers[2].Limits);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Servers[2].Limits.Timeout);
    }

    [Fact]
    public void Load_ProcessCapsAndIdleTimeout_AreRead()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "session_idle_timeout": "5m",
              "servers": [{ "id": "a", "command": "node", "args": ["server.js"], "policy": "codex.json", "max_processes": 10, "max_processes_per_grant": 3 }]
            }
            """, []);

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMinutes(5), config!.SessionIdleTimeout);
        Assert.Equal((10, 3), (config.Servers[0].Limits.MaxProcesses, config.Servers[0].Limits.MaxProcessesPerGrant));
    }

    [Fact]
    public void Load_BadUpstreamLimits_NameEachProblem()
    {
        var (_, errors) = Load("""
            {
              "store": "memory",
              "servers": [
                { "id": "a", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json", "timeout": "soon", "max_response_bytes": 10,
                  "max_concurrent_calls": 0, "allow_methods": ["Tools/Call"], "circuit_breaker": { "failure_ratio": 2, "break": "1s" } }
              ]
            }
            """, []);

        Assert.Contains(errors, e => e.Path == "/servers/0/timeout" && e.Message.Contains("duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/max_response_bytes");
        Assert.Contains(errors, e => e.Path == "/servers/0/max_concurrent_calls");
        Assert.Contains(errors, e => e.Path == "/servers/0/allow_methods/0" && e.Message.Contains("'tools/call'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/circuit_breaker/failure_ratio");
        Assert.Contains(errors, e => e.Path == "/servers/0/circuit_breaker/break");
    }

    [Fact]
    public void Load_DescriptionAndRiskOverrides_AreRead()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "servers": [
                { "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json",
                  "description": "Wraps the Codex CLI.",
                  "risk_overrides": {
                    "code_generate": { "category": "Execute", "severity": "Critical", "reason": "Runs code on the build host." },
                    "review_code": { "category": "read", "severity": "low" }
                  } },
                { "id": "plain", "url": "http://127.0.0.1:9101/mcp", "policy": "codex.json" }
              ]
            }
            """, []);

        Assert.Empty(errors);
        var codex = config!.Servers[0];
        Assert.Equal("Wraps the Codex CLI.", codex.Description);
        Assert.Equal(new RiskOverride(RiskCategory.Execute, RiskSeverity.Critical, "Runs code on the build host."), codex.RiskOverrides["code_generate"]);
        Assert.Equal(new RiskOverride(RiskCategory.Read, RiskSeverity.Low, null), codex.RiskOverrides["review_code"]);
        Assert.Null(config.Servers[1].Description);
        Assert.Empty(config.Servers[1].RiskOverrides);
    }

    [Fact]
    public void Load_APolicyFileNotWrittenYet_IsAProblemForServingOnly()
    {
        const string Text = """{"store": "memory", "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "not-yet.yaml" }]}""";

        var (config, errors) = ConfigLoader.Load(Text, _directory, _ => null);

        Assert.Empty(errors);
        Assert.Equal(Path.Combine(_directory, "not-yet.yaml"), config!.Servers[0].PolicyPath);
        var problem = Assert.Single(config.ProblemsForServing());
        Assert.Equal("/servers/0/policy", problem.Path);
        Assert.StartsWith("Cannot read policy file", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadRiskOverrides_NameEachProblemWithItsPath()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "servers": [
                { "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json", "description": 7,
                  "risk_overrides": {
                    "code_generate": { "category": "Exec", "severity": "High" },
                    "a/b": { "severity": "Severe", "why": "x" },
                    "review_code": "Read",
                    "": { "category": "Read", "severity": "Low" }
                  } },
                { "id": "other", "url": "http://127.0.0.1:9101/mcp", "policy": "codex.json", "risk_overrides": ["code_generate"] }
              ]
            }
            """, []);

        Assert.Null(config);
        Assert.Contains(errors, e => e.Path == "/servers/0/description" && e.Message.Contains("string", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/code_generate/category"
            && e.Message == "Unknown category 'Exec'. Expected one of: Read, Write, Execute, Destructive, Financial.");
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/a~1b" && e.Message.Contains("no 'category'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/a~1b/severity"
            && e.Message == "Unknown severity 'Severe'. Expected one of: Low, Medium, High, Critical.");
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/a~1b/why" && e.Message.Contains("Unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/review_code" && e.Message.Contains("An override is", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/0/risk_overrides/" && e.Message == "The tool name is empty.");
        Assert.Contains(errors, e => e.Path == "/servers/1/risk_overrides" && e.Message.Contains("maps tool names", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ManyProblems_ReportsEveryOneWithItsPath()
    {
        var (config, errors) = Load("""
            {
              "listen": "ftp://x",
              "stor": "memory",
              "servers": [
                { "id": "Codex!", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" },
                { "id": "b", "url": "not a url", "policy": "bad.json", "headers": { "Authorization2": "env:MISSING", "Mcp-Session-Id": "x" } },
                { "id": "c", "command": "npx", "url": "http://127.0.0.1:1/mcp", "env": { "KEY": "env:MISSING2" }, "policy": "missing.json" }
              ],
              "grants": [
                { "name": "g", "servers": ["zzz"], "token": "short" },
                { "servers": ["b"], "token": "env:" }
              ]
            }
            """, []);

        Assert.Null(config);
        var paths = errors.Select(e => e.Path).ToList();
        string[] expected =
        [
            "/listen", "/stor", "/servers/0/id", "/servers/1/url", "/servers/1/headers/Mcp-Session-Id",
            "/servers/2", "/grants/0/servers/0", "/grants/0/token", "/grants/1", "/grants/1/servers/0", "/grants/1/token",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), paths.Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e.Path == "/grants/1/token" && e.Message.Contains("names no environment variable", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/servers/2" && e.Message == "A server has either a 'url' or a 'command', not both.");
    }

    [Fact]
    public void Load_UnsetSecretsAndInvalidPolicies_AreKeptAside_ForThePartsThatUseThem()
    {
        var (config, errors) = Load("""
            {
              "audit": { "checkpoint_key": "env:UNSET_KEY" },
              "admins": [{ "name": "ops", "token": "env:UNSET_ADMIN" }, { "name": "lead", "token": "env:ADMIN" }],
              "servers": [
                { "id": "a", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" },
                { "id": "b", "url": "http://127.0.0.1:9101/mcp", "policy": "bad.json", "headers": { "Authorization": "env:UNSET_HEADER" } }
              ],
              "grants": [
                { "name": "g1", "servers": ["a"], "token": "env:UNSET_GRANT" },
                { "name": "g2", "servers": ["a"], "token": "a-token-of-at-least-24-characters" }
              ]
            }
            """, new Dictionary<string, string> { ["ADMIN"] = "an-admin-token-of-24-characters-or-more" });

        Assert.Empty(errors);
        Assert.Equal(["/admins/0/token", "/audit/checkpoint_key", "/grants/0/token", "/servers/1/headers/Authorization"],
            config!.UnsetSecrets.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["lead"], config.Admins.Select(a => a.Name));
        Assert.Equal(["g2"], config.Grants.Select(g => g.Name));
        Assert.Equal("/audit/checkpoint_key", config.Audit.UnsetCheckpointKey!.Path);
        Assert.Equal("/servers/1/headers/Authorization", Assert.Single(config.Servers[1].UnsetSecrets).Path);
        Assert.False(config.Servers[1].Headers.ContainsKey("Authorization"));
        Assert.Contains("'block' is not a valid value", Assert.Single(config.Servers[1].PolicyProblems).Message, StringComparison.Ordinal);
        Assert.Empty(config.Servers[0].PolicyProblems);

        Assert.Equal(["/admins/0/token", "/audit/checkpoint_key", "/grants/0/token", "/servers/1/headers/Authorization", "/servers/1/policy"],
            config.ProblemsForServing().Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["/audit/checkpoint_key"], config.ProblemsForServing("a").Select(e => e.Path));
        Assert.Equal(["/audit/checkpoint_key", "/servers/1/headers/Authorization"],
            (config with { OnInvalidPolicyFile = InvalidPolicyFile.UseStored }).ProblemsForServing("b").Select(e => e.Path));
    }

    [Fact]
    public void Load_CommandServer_KeepsArgumentsAndEnvironment()
    {
        var (config, errors) = Load("""
            {"servers": [{ "id": "everything", "command": "node", "args": ["server.js", "stdio"], "env": { "API_KEY": "env:KEY" }, "policy": "codex.json" }]}
            """, new Dictionary<string, string> { ["KEY"] = "secret" });

        Assert.Empty(errors);
        var server = Assert.Single(config!.Servers);
        Assert.Equal(("node", "stdio://everything/"), (server.Command, server.Url.ToString()));
        Assert.Equal(["server.js", "stdio"], server.Arguments);
        Assert.Equal("secret", server.Environment["API_KEY"]);
    }

    [Fact]
    public void Load_EmptyCommand_IsRefused()
    {
        var (config, errors) = Load("""{"servers": [{ "id": "local", "command": "", "policy": "codex.json" }]}""", []);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal("/servers/0/command", error.Path);
        Assert.StartsWith("The command is empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"servers": []}""", "at least one server")]
    [InlineData("""{"servers": [{"id": "a", "url": "http://x/mcp", "policy": "codex.json"}, {"id": "a", "url": "http://y/mcp", "policy": "codex.json"}]}""", "used twice")]
    public void Load_BadDocument_IsRefused(string text, string message)
    {
        var (config, errors) = Load(text, []);

        Assert.Null(config);
        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Store_DefaultsToSqliteBesideTheFile_AndReadsEveryForm()
    {
        const string Servers = "\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\"}]";
        var env = new Dictionary<string, string> { ["PG"] = "postgres://portcullis:secret@db.internal:5432/portcullis" };

        var byDefault = Load("{" + Servers + "}", env).Config!;
        var sqlite = Load("{\"store\": \"sqlite:data/state.db\", " + Servers + "}", env).Config!;
        var distributed = Load("{\"store\": {\"redis\": \"redis://:pw@cache.internal:6380/2\", \"postgres\": \"env:PG\"}, \"fail_mode\": \"open\", " + Servers + "}", env).Config!;

        Assert.Equal(Path.Combine(_directory, "portcullis.db"), byDefault.Store.SqlitePath);
        Assert.Equal(FailMode.Closed, byDefault.FailMode);
        Assert.Equal(Path.Combine(_directory, "data", "state.db"), sqlite.Store.SqlitePath);
        Assert.True(distributed.Store.IsDistributed);
        Assert.Equal(("redis://:pw@cache.internal:6380/2", env["PG"]), (distributed.Store.RedisUrl, distributed.Store.PostgresUrl));
        Assert.Equal(FailMode.Open, distributed.FailMode);
        Assert.Equal("redis + postgres", distributed.Store.ToString());
    }

    [Theory]
    [InlineData("\"store\": \"mysql:x\"", "/store", "is not a store")]
    [InlineData("\"store\": {\"redis\": \"redis://127.0.0.1:6379\"}", "/store", "needs 'postgres'")]
    [InlineData("\"store\": {\"postgres\": \"Host=127.0.0.1\"}", "/store", "needs 'redis'")]
    [InlineData("\"store\": {\"redis\": \"redis://127.0.0.1:6379\", \"postgres\": \"Host=x\", \"mongo\": \"y\"}", "/store/mongo", "Unknown key")]
    [InlineData("\"store\": {\"redis\": \"redis://127.0.0.1:notaport\", \"postgres\": \"Host=x\"}", "/store/redis", "Not a Redis address")]
    [InlineData("\"store\": {\"redis\": \"redis://127.0.0.1:6379\", \"postgres\": \"Nonsense Key=1\"}", "/store/postgres", "Not a PostgreSQL connection string")]
    [InlineData("\"store\": {\"redis\": \"env:NOPE\", \"postgres\": \"Host=x\"}", "/store/redis", "'NOPE' is not set")]
    [InlineData("\"fail_mode\": \"sometimes\"", "/fail_mode", "is not a fail mode")]
    [InlineData("\"telemetry\": {\"otlp\": {}}", "/telemetry/otlp", "needs the collector's 'endpoint'")]
    [InlineData("\"telemetry\": {\"otlp\": {\"endpoint\": \"udp://x\"}}", "/telemetry/otlp/endpoint", "is not an http(s) URL")]
    [InlineData("\"telemetry\": {\"otlp\": {\"endpoint\": \"http://x:4318\", \"protocol\": \"json\"}}", "/telemetry/otlp/protocol", "is not an OTLP protocol")]
    [InlineData("\"telemetry\": {\"otlp\": {\"endpoint\": \"http://x:4318\", \"signals\": [\"logs\"]}}", "/telemetry/otlp/signals/0", "is not a signal")]
    [InlineData("\"telemetry\": {\"prometheus\": {\"listen\": \"http://127.0.0.1:0\"}}", "/telemetry/prometheus/listen", "a port of its own")]
    [InlineData("\"telemetry\": {\"prometheus\": true}", "/telemetry/prometheus", "'prometheus' is an object")]
    [InlineData("\"telemetry\": {\"jaeger\": {}}", "/telemetry/jaeger", "Unknown key")]
    public void Load_BadStoreFailModeOrTelemetry_IsRefusedWithItsPath(string setting, string path, string message)
    {
        var (config, errors) = Load("{" + setting + ", \"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\"}]}", []);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Keep", null)]
    [InlineData("\"keep\"", "Keep", null)]
    [InlineData("\"drop\"", "Drop", null)]
    [InlineData("{\"replace\": \"Use the echo tool.\"}", "Replace", "Use the echo tool.")]
    public void Load_ServerInstructions_ReadsTheSetting(string? setting, string mode, string? text)
    {
        var (config, errors) = Load("{\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\""
            + (setting is null ? "" : ", \"instructions\": " + setting) + "}]}", []);

        Assert.Empty(errors);
        Assert.Equal(new UpstreamInstructions(Enum.Parse<InstructionsMode>(mode), text), config!.Servers[0].Instructions);
    }

    [Theory]
    [InlineData("\"hide\"", "/servers/0/instructions")]
    [InlineData("true", "/servers/0/instructions")]
    [InlineData("{\"replace\": 3}", "/servers/0/instructions/replace")]
    [InlineData("{\"replace\": \"x\", \"extra\": 1}", "/servers/0/instructions/extra")]
    public void Load_InvalidInstructions_NamesThePath(string setting, string path)
    {
        var (config, errors) = Load("{\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\", \"instructions\": "
            + setting + "}]}", []);

        Assert.Null(config);
        Assert.Contains(errors, e => e.Path == path);
    }

    [Theory]
    [InlineData(null, "Tofu")]
    [InlineData("\"tofu\"", "Tofu")]
    [InlineData("\"strict\"", "Strict")]
    [InlineData("\"off\"", "Off")]
    public void Load_ServerPinning_ReadsTheSetting_TofuByDefault(string? setting, string mode)
    {
        var (config, errors) = Load("{\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\""
            + (setting is null ? "" : ", \"pinning\": " + setting) + "}]}", []);

        Assert.Empty(errors);
        Assert.Equal(Enum.Parse<PinningMode>(mode), config!.Servers[0].Pinning);
    }

    [Theory]
    [InlineData("\"TOFU\"", "'TOFU' is not a pinning mode")]
    [InlineData("\"on\"", "'on' is not a pinning mode")]
    [InlineData("true", "true is not a pinning mode")]
    [InlineData("{\"mode\": \"strict\"}", "{\"mode\": \"strict\"} is not a pinning mode")]
    public void Load_InvalidPinning_NamesThePathAndTheModes(string setting, string message)
    {
        var (config, errors) = Load("{\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\"}, "
            + "{\"id\": \"other\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\", \"pinning\": " + setting + "}]}", []);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal("/servers/1/pinning", error.Path);
        Assert.StartsWith(message + "; use \"tofu\" (pin each tool when first seen, the default), \"strict\" (quarantine each tool until an operator approves it) or \"off\".",
            error.Message, StringComparison.Ordinal);
    }

    private (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string text, Dictionary<string, string> env) =>
        ConfigLoader.Load(text, _directory, name => env.GetValueOrDefault(name));
}
