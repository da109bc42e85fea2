using System.Text.RegularExpressions;
using Portcullis.Policy;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>
/// Reads <c>portcullis.json</c>: checks every key, resolves <c>env:NAME</c> secrets, and parses
/// each server's policy file, reporting every problem at once, each with its JSON Pointer, line and
/// column. A secret whose variable is not set and a policy file with errors do not make the
/// configuration invalid: they are kept as <see cref="GatewayConfig.UnsetSecrets"/> and
/// <see cref="GatewayConfig.PolicyProblems"/>, so a command that does not use them (revoking a
/// grant in an incident) still runs, and a command that does refuses with the precise reason.
/// </summary>
/// <remarks>
/// The file is read into positioned <see cref="SourceNode"/>s by the reader policies use, then
/// bound section by section: top-level options, store and fail mode, audit, admins, telemetry,
/// servers (with their limits, pinning and risk overrides) and grants, each in its own file.
/// </remarks>
internal static partial class ConfigLoader
{
    private static readonly string[] s_rootKeys = ["listen", "store", "fail_mode", "audit", "admins", "allowed_origins", "allowed_hosts", "servers", "grants", "max_argument_depth", "session_idle_timeout", "telemetry"];

    private const string StartHint = "Start from {\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9000/mcp\", \"policy\": \"codex.json\"}]}.";

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
            return (null, [new ConfigError("", null, $"Cannot read {path}: {e.Message}")]);
        }

        return Load(text, Path.GetDirectoryName(Path.GetFullPath(path))!, environment ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>Loads configuration text; see <see cref="LoadFile"/>.</summary>
    public static (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string text, string baseDirectory, Func<string, string?> environment)
    {
        var errors = new List<PolicyError>();
        var root = SourceReader.Read(text, PolicyFormat.Json, errors, StartHint);
        if (root is not null)
        {
            var reader = new Reader(errors, environment, baseDirectory);
            if (reader.Bind(root) is { } config && errors.Count == 0)
            {
                return (config, []);
            }
        }

        return (null, [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column).Select(ConfigError.From)]);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    internal static partial Regex IdPattern();

    /// <summary>
    /// Binds the configuration's sections, recording each problem instead of throwing. Problems that
    /// make the file invalid go to the shared error list; unset secrets and policy-file errors are kept
    /// apart for the parts that use them.
    /// </summary>
    private sealed partial class Reader(List<PolicyError> errors, Func<string, string?> environment, string baseDirectory)
    {
        private readonly SourceNodeReader _read = new(errors);
        private readonly List<ConfigError> _unsetSecrets = [];
        private readonly List<ConfigError> _policyProblems = [];

        public GatewayConfig? Bind(SourceNode root)
        {
            if (root.Kind != SourceNodeKind.Object)
            {
                Error("", root, "The configuration is a JSON object with listen, servers and grants.");
                return null;
            }

            var keys = Keys(root, "", s_rootKeys);
            var config = Options(keys);
            var servers = Servers(root, keys);
            return config with
            {
                Store = keys.TryGetValue("store", out var store) ? Store(store.Value) : StoreConfig.Sqlite(Path.Combine(baseDirectory, "portcullis.db")),
                FailMode = keys.TryGetValue("fail_mode", out var failMode) ? FailMode(failMode.Value) : Configuration.FailMode.Closed,
                Admins = keys.TryGetValue("admins", out var admins) ? Admins(admins.Value) : [],
                Audit = keys.TryGetValue("audit", out var audit) ? Audit(audit.Value) : new AuditConfig { SpillDirectory = Path.Combine(baseDirectory, "audit-spill") },
                Telemetry = keys.TryGetValue("telemetry", out var telemetry) ? Telemetry(telemetry.Value, config.Listen) : new TelemetryConfig(),
                Servers = servers,
                Grants = keys.TryGetValue("grants", out var grants) ? Grants(grants.Value, servers) : [],
                UnsetSecrets = [.. _unsetSecrets],
                PolicyProblems = [.. _policyProblems],
            };
        }

        private void Error(string path, SourceNode node, string message, string? hint = null) => _read.Error(path, node, message, hint);

        private Dictionary<string, SourceProperty> Keys(SourceNode node, string path, IReadOnlyCollection<string> known) => _read.ReadKeys(node, path, known);

        private string? String(SourceNode node, string path) => _read.ReadString(path, node);
    }
}
