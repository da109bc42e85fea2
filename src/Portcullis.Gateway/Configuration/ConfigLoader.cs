using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portcullis.Policy;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Configuration;

/// <summary>
/// Reads <c>portcullis.json</c>: checks every key, resolves <c>env:NAME</c> secrets, and parses
/// each server's policy file, reporting every problem at once. A secret whose variable is not set
/// and a policy file with errors do not make the configuration invalid: they are kept as
/// <see cref="GatewayConfig.UnsetSecrets"/> and <see cref="GatewayConfig.PolicyProblems"/>, so a
/// command that does not use them (revoking a grant in an incident) still runs, and a command that
/// does refuses with the precise reason.
/// </summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_rootKeys = ["listen", "store", "fail_mode", "audit", "admins", "allowed_origins", "allowed_hosts", "servers", "grants", "max_argument_depth", "session_idle_timeout", "telemetry"];
    private static readonly string[] s_serverKeys =
    [
        "id", "url", "headers", "command", "args", "env", "policy",
        "allow_methods", "timeout", "max_response_bytes", "max_response_depth", "max_concurrent_calls", "max_processes", "max_processes_per_grant", "circuit_breaker",
        "instructions", "description", "risk_overrides", "pinning",
    ];
    private static readonly string[] s_grantKeys = ["name", "servers", "token", "labels", "expires"];

    /// <summary>Loads a configuration file; relative policy paths are resolved against the file's folder.</summary>
    /// <param name="path">The configuration file.</param>
    /// <param name="environment">Reads <c>env:NAME</c> secrets; the process environment when null.</param>
    public static (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) LoadFile(string path, Func<string, string?>? environment = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [new ConfigError("", $"Cannot read {path}: {e.Message}")]);
        }

        return Load(text, Path.GetDirectoryName(Path.GetFullPath(path))!, environment ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>Loads configuration text; see <see cref="LoadFile"/>.</summary>
    public static (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string text, string baseDirectory, Func<string, string?> environment)
    {
        var errors = new List<ConfigError>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            return (null, [new ConfigError("", $"Not valid JSON (line {(e.LineNumber ?? 0) + 1}): {e.Message.Split(" Path:")[0]}")]);
        }

        using (document)
        {
            var unsetSecrets = new List<ConfigError>();
            var policyProblems = new List<ConfigError>();
            var reader = new Reader(errors, environment, unsetSecrets, policyProblems);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [new ConfigError("", "The configuration is a JSON object with listen, servers and grants.")]);
            }

            reader.CheckKeys(root, "", s_rootKeys);
            var listen = new Uri("http://127.0.0.1:8787");
            if (root.TryGetProperty("listen", out var listenElement) && reader.String(listenElement, "/listen") is { } listenText)
            {
                if (Uri.TryCreate(listenText, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
                {
                    listen = parsed;
                }
                else
                {
                    reader.Error("/listen", $"'{listenText}' is not an http(s) URL such as http://127.0.0.1:8787.");
                }
            }

            var store = root.TryGetProperty("store", out var storeElement)
                ? reader.Store(storeElement, baseDirectory)
                : StoreConfig.Sqlite(Path.Combine(baseDirectory, "portcullis.db"));
            var failMode = root.TryGetProperty("fail_mode", out var failModeElement) ? reader.FailMode(failModeElement) : FailMode.Closed;
            var admins = root.TryGetProperty("admins", out var adminsElement) ? reader.Admins(adminsElement) : [];
            var audit = root.TryGetProperty("audit", out var auditElement)
                ? reader.Audit(auditElement, baseDirectory)
                : new AuditConfig { SpillDirectory = Path.Combine(baseDirectory, "audit-spill") };

            var origins = root.TryGetProperty("allowed_origins", out var originsElement)
                ? reader.StringArray(originsElement, "/allowed_origins")
                : [];

            var hosts = root.TryGetProperty("allowed_hosts", out var hostsElement)
                ? reader.StringArray(hostsElement, "/allowed_hosts")
                : [];

            var idleTimeout = root.TryGetProperty("session_idle_timeout", out var idleElement)
                ? reader.Duration(idleElement, "/session_idle_timeout", TimeSpan.FromSeconds(10), TimeSpan.FromDays(7)) ?? TimeSpan.FromMinutes(30)
                : TimeSpan.FromMinutes(30);
            var maxArgumentDepth = root.TryGetProperty("max_argument_depth", out var depthElement)
                ? (int)(reader.PositiveNumber(depthElement, "/max_argument_depth", 1, GatewayConfig.ArgumentDepthCeiling) ?? GatewayConfig.DefaultArgumentDepth)
                : GatewayConfig.DefaultArgumentDepth;

            var telemetry = root.TryGetProperty("telemetry", out var telemetryElement) ? reader.Telemetry(telemetryElement) : new TelemetryConfig();
            if (telemetry.Prometheus?.Listen is { } scrape && scrape.Port == listen.Port)
            {
                reader.Error("/telemetry/prometheus/listen", $"Port {scrape.Port} is the gateway's own ('listen'); give the scrape listener another, or leave 'listen' out to scrape the gateway's.");
            }

            var servers = ImmutableArray.CreateBuilder<UpstreamServerConfig>();
            if (!root.TryGetProperty("servers", out var serversElement) || serversElement.ValueKind != JsonValueKind.Array || serversElement.GetArrayLength() == 0)
            {
                reader.Error("/servers", "Declare at least one server: [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9000/mcp\", \"policy\": \"codex.json\"}].");
            }
            else
            {
                var index = 0;
                foreach (var server in serversElement.EnumerateArray())
                {
                    if (reader.Server(server, $"/servers/{index++}", baseDirectory) is { } parsed)
                    {
                        if (servers.Any(s => s.Id == parsed.Id))
                        {
                            reader.Error($"/servers/{index - 1}/id", $"Server id '{parsed.Id}' is used twice.");
                        }
                        else
                        {
                            servers.Add(parsed);
                        }
                    }
                }
            }

            var grants = ImmutableArray.CreateBuilder<GrantConfig>();
            if (root.TryGetProperty("grants", out var grantsElement))
            {
                if (grantsElement.ValueKind != JsonValueKind.Array)
                {
                    reader.Error("/grants", "'grants' is a list of {name, servers, token}.");
                }
                else
                {
                    var index = 0;
                    foreach (var grant in grantsElement.EnumerateArray())
                    {
                        var path = $"/grants/{index++}";
                        if (reader.Grant(grant, path, servers.Select(s => s.Id).ToHashSet(StringComparer.Ordinal)) is not { } parsed)
                        {
                            continue;
                        }

                        if (grants.Any(g => g.Name == parsed.Name))
                        {
                            reader.Error(path + "/name", $"Grant name '{parsed.Name}' is used twice.");
                        }
                        else if (grants.Any(g => g.Token == parsed.Token))
                        {
                            reader.Error(path + "/token", $"Grant '{parsed.Name}' has the same token as another grant; every grant needs its own.");
                        }
                        else
                        {
                            grants.Add(parsed);
                        }
                    }
                }
            }

            if (errors.Count > 0)
            {
                return (null, errors);
            }

            return (new GatewayConfig
            {
                Listen = listen,
                Store = store,
                FailMode = failMode,
                Audit = audit,
                Admins = admins,
                AllowedOrigins = origins,
                AllowedHosts = hosts,
                Servers = servers.ToImmutable(),
                Grants = grants.ToImmutable(),
                MaxArgumentDepth = maxArgumentDepth,
                SessionIdleTimeout = idleTimeout,
                Telemetry = telemetry,
                UnsetSecrets = [.. unsetSecrets],
                PolicyProblems = [.. policyProblems],
            }, errors);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    internal static partial Regex IdPattern();

    /// <summary>Field readers that record an error instead of throwing.</summary>
    private sealed partial class Reader(List<ConfigError> errors, Func<string, string?> environment, List<ConfigError> unsetSecrets, List<ConfigError> policyProblems)
    {
        public void Error(string path, string message) => errors.Add(new ConfigError(path, message));

        public void CheckKeys(JsonElement element, string path, string[] known)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (!known.Contains(property.Name))
                {
                    Error($"{path}/{property.Name}", $"Unknown key '{property.Name}'. Expected one of: {string.Join(", ", known)}.");
                }
            }
        }

        public string? String(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.String)
            {
                return element.GetString();
            }

            Error(path, $"Expected a string, found {element.ValueKind.ToString().ToLowerInvariant()}.");
            return null;
        }

        public ImmutableArray<string> StringArray(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Array)
            {
                Error(path, "Expected a list of strings.");
                return [];
            }

            var builder = ImmutableArray.CreateBuilder<string>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (String(item, $"{path}/{index++}") is { } value)
                {
                    builder.Add(value);
                }
            }

            return builder.ToImmutable();
        }

        /// <summary>
        /// A string that may be <c>env:NAME</c>, read from the environment. An unset variable is an
        /// error when <paramref name="required"/> (every command needs it, such as the store's
        /// address); otherwise it is recorded in the unset secrets and null is returned, and the
        /// part that holds it cannot be used.
        /// </summary>
        public string? Secret(JsonElement element, string path, bool required = false)
        {
            if (String(element, path) is not { } value)
            {
                return null;
            }

            if (!value.StartsWith("env:", StringComparison.Ordinal))
            {
                return value;
            }

            var name = value[4..];
            if (name.Length == 0)
            {
                Error(path, "'env:' names no environment variable; write \"env:NAME\".");
                return null;
            }

            var resolved = environment(name);
            if (string.IsNullOrEmpty(resolved))
            {
                (required ? errors : unsetSecrets).Add(new ConfigError(path, $"Environment variable '{name}' is not set."));
                return null;
            }

            return resolved;
        }

        /// <summary>An object of string values (or secrets), keyed by property name.</summary>
        private ImmutableDictionary<string, string> StringMap(JsonElement element, string path, string hint, bool secrets, StringComparer comparer)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, string>(comparer);
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, hint);
                return builder.ToImmutable();
            }

            foreach (var property in element.EnumerateObject())
            {
                var itemPath = $"{path}/{property.Name}";
                if ((secrets ? Secret(property.Value, itemPath) : String(property.Value, itemPath)) is { } value)
                {
                    builder[property.Name] = value;
                }
            }

            return builder.ToImmutable();
        }

        public UpstreamServerConfig? Server(JsonElement element, string path, string baseDirectory)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "A server is {\"id\", \"url\", \"policy\"}.");
                return null;
            }

            var before = errors.Count;
            var unsetBefore = unsetSecrets.Count;
            var problemsBefore = policyProblems.Count;
            CheckKeys(element, path, s_serverKeys);
            string? id = null;
            if (!element.TryGetProperty("id", out var idElement))
            {
                Error(path, "The server has no 'id'.");
            }
            else if (String(idElement, path + "/id") is { } idText)
            {
                if (IdPattern().IsMatch(idText))
                {
                    id = idText;
                }
                else
                {
                    Error(path + "/id", $"'{idText}' is not a valid id: use lower-case letters, digits, '-' and '_' (it becomes part of the URL).");
                }
            }

            Uri? url = null;
            string? command = null;
            var arguments = ImmutableArray<string>.Empty;
            var environmentVariables = ImmutableDictionary<string, string>.Empty;
            if (element.TryGetProperty("command", out var commandElement))
            {
                if (element.TryGetProperty("url", out _))
                {
                    Error(path, "A server has either a 'url' or a 'command', not both.");
                }

                if (String(commandElement, path + "/command") is { Length: > 0 } commandText)
                {
                    command = commandText;
                    url = new Uri($"stdio://{(id ?? "server")}");
                }

                if (element.TryGetProperty("args", out var argsElement))
                {
                    arguments = StringArray(argsElement, path + "/args");
                }

                if (element.TryGetProperty("env", out var envElement))
                {
                    environmentVariables = StringMap(envElement, path + "/env", "'env' maps variable names to values (secrets as \"env:NAME\").",
                        secrets: true, StringComparer.Ordinal);
                }
            }
            else if (!element.TryGetProperty("url", out var urlElement))
            {
                Error(path, "The server has no 'url' (Streamable HTTP) or 'command' (stdio).");
            }
            else if (String(urlElement, path + "/url") is { } urlText)
            {
                if (Uri.TryCreate(urlText, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && string.IsNullOrEmpty(parsed.UserInfo))
                {
                    url = parsed;
                }
                else
                {
                    Error(path + "/url", $"'{urlText}' is not an http(s) URL without credentials.");
                }
            }

            var headers = ImmutableDictionary<string, string>.Empty;
            if (element.TryGetProperty("headers", out var headersElement))
            {
                headers = StringMap(headersElement, path + "/headers", "'headers' maps header names to values (secrets as \"env:NAME\").",
                    secrets: true, StringComparer.OrdinalIgnoreCase);
                foreach (var (name, value) in headers)
                {
                    if (s_reservedHeaders.Contains(name))
                    {
                        Error($"{path}/headers/{name}", $"'{name}' is set by the gateway and cannot be configured.");
                    }
                    else if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                    {
                        Error($"{path}/headers/{name}", "Header values cannot contain line breaks.");
                    }
                }
            }

            string? policyPath = null;
            LoadedPolicyFile? policyFile = null;
            if (!element.TryGetProperty("policy", out var policyElement))
            {
                Error(path, "The server has no 'policy' file; every server needs one (use {\"version\": \"1\", \"default\": \"deny\"} to deny everything).");
            }
            else if (String(policyElement, path + "/policy") is { } policyText)
            {
                policyPath = Path.GetFullPath(Path.Combine(baseDirectory, policyText));
                policyFile = CheckPolicyFile(policyPath, path + "/policy");
            }

            var allowMethods = element.TryGetProperty("allow_methods", out var methodsElement) ? AllowMethods(methodsElement, path + "/allow_methods") : [];
            var limits = UpstreamLimits(element, path);
            var pinning = Pinning(element, path);
            var instructions = element.TryGetProperty("instructions", out var instructionsElement)
                ? Instructions(instructionsElement, path + "/instructions")
                : UpstreamInstructions.Keep;
            string? description = null;
            if (element.TryGetProperty("description", out var descriptionElement) && String(descriptionElement, path + "/description") is { } descriptionText)
            {
                description = descriptionText.Length > 0 ? descriptionText : null;
            }

            var riskOverrides = element.TryGetProperty("risk_overrides", out var overridesElement)
                ? RiskOverrides(overridesElement, path + "/risk_overrides")
                : ImmutableDictionary<string, RiskOverride>.Empty;
            if (errors.Count != before)
            {
                return null;
            }

            return new UpstreamServerConfig
            {
                Description = description,
                RiskOverrides = riskOverrides,
                AllowMethods = allowMethods,
                Instructions = instructions,
                Limits = limits,
                Pinning = pinning,
                Id = id!,
                Url = url!,
                Headers = headers,
                PolicyPath = policyPath,
                PolicyFile = policyFile,
                Command = command,
                Arguments = arguments,
                Environment = environmentVariables,
                UnsetSecrets = [.. unsetSecrets.Skip(unsetBefore)],
                PolicyProblems = [.. policyProblems.Skip(problemsBefore)],
            };
        }

        public GrantConfig? Grant(JsonElement element, string path, HashSet<string> serverIds)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "A grant is {\"name\", \"servers\", \"token\"}.");
                return null;
            }

            var before = errors.Count;
            var unsetBefore = unsetSecrets.Count;
            CheckKeys(element, path, s_grantKeys);
            string? name = null;
            if (!element.TryGetProperty("name", out var nameElement))
            {
                Error(path, "The grant has no 'name'.");
            }
            else if (String(nameElement, path + "/name") is { Length: > 0 } nameText)
            {
                name = nameText;
            }

            var servers = ImmutableArray<string>.Empty;
            if (!element.TryGetProperty("servers", out var serversElement))
            {
                Error(path, "The grant has no 'servers' list.");
            }
            else
            {
                servers = StringArray(serversElement, path + "/servers");
                foreach (var (server, i) in servers.Select((s, i) => (s, i)).Where(p => !serverIds.Contains(p.s)))
                {
                    Error($"{path}/servers/{i}", $"No server has id '{server}'.");
                }
            }

            string? token = null;
            if (!element.TryGetProperty("token", out var tokenElement))
            {
                Error(path, "The grant has no 'token'; use \"env:NAME\" to read it from the environment.");
            }
            else if (Secret(tokenElement, path + "/token") is { } tokenText)
            {
                if (tokenText.Length < 24)
                {
                    Error(path + "/token", "The token is shorter than 24 characters; use a long random value.");
                }
                else
                {
                    token = tokenText;
                }
            }

            var labels = element.TryGetProperty("labels", out var labelsElement)
                ? StringMap(labelsElement, path + "/labels", "'labels' maps names to string values.", secrets: false, StringComparer.Ordinal)
                : ImmutableDictionary<string, string>.Empty;

            DateTimeOffset? expires = null;
            if (element.TryGetProperty("expires", out var expiresElement) && String(expiresElement, path + "/expires") is { } expiresText)
            {
                if (DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    expires = parsed;
                }
                else
                {
                    Error(path + "/expires", $"'{expiresText}' is not a date and time such as 2027-01-01T00:00:00Z.");
                }
            }

            if (errors.Count != before || unsetSecrets.Count != unsetBefore)
            {
                // A grant whose token is not in this environment cannot authenticate anyone here.
                return null;
            }

            return new GrantConfig { Name = name!, Servers = servers, Token = token!, Labels = labels, Expires = expires };
        }

        private LoadedPolicyFile? CheckPolicyFile(string path, string pointer)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                policyProblems.Add(new ConfigError(pointer, $"Cannot read policy file {path}: {e.Message}"));
                return null;
            }

            var parsed = PolicyParser.Parse(text, PolicyParser.FormatOf(path));
            foreach (var error in parsed.Errors)
            {
                policyProblems.Add(new ConfigError(pointer, $"{path}: {error}"));
            }

            return new LoadedPolicyFile(text, parsed);
        }
    }

    /// <summary>Whether the gateway sets header <paramref name="name"/> itself, so no configuration may.</summary>
    internal static bool IsReservedHeader(string name) => s_reservedHeaders.Contains(name);

    private static readonly HashSet<string> s_reservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Type", "Content-Length", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID", "Transfer-Encoding", "Connection",
    };
}
