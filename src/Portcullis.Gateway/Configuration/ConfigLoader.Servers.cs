using System.Collections.Immutable;
using Portcullis.Policy;
using Portcullis.Policy.Parsing;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>servers</c> list: each server's id, how it is reached, its headers and its policy file.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_serverKeys =
    [
        "id", "url", "headers", "command", "args", "env", "policy",
        "allow_methods", "timeout", "max_response_bytes", "max_response_depth", "max_concurrent_calls", "max_processes", "max_processes_per_grant", "circuit_breaker",
        "instructions", "description", "risk_overrides", "pinning",
    ];

    private sealed partial class Reader
    {
        /// <summary>Every valid server, ids unique; at least one must be declared.</summary>
        private ImmutableArray<UpstreamServerConfig> Servers(SourceNode root, Dictionary<string, SourceProperty> keys)
        {
            if (!keys.TryGetValue("servers", out var serversNode) || serversNode.Value.Kind != SourceNodeKind.Array || serversNode.Value.Items.Count == 0)
            {
                Error("/servers", serversNode?.Value ?? root, "Declare at least one server: [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9000/mcp\", \"policy\": \"codex.json\"}].");
                return [];
            }

            var servers = ImmutableArray.CreateBuilder<UpstreamServerConfig>();
            for (var i = 0; i < serversNode.Value.Items.Count; i++)
            {
                var item = serversNode.Value.Items[i];
                var path = JsonPointer.Append("/servers", i);
                if (Server(item, path) is not { } server)
                {
                    continue;
                }

                if (servers.Any(s => s.Id == server.Id))
                {
                    Error(path + "/id", ValueOf(item, "id"), $"Server id '{server.Id}' is used twice.");
                }
                else
                {
                    servers.Add(server);
                }
            }

            return servers.ToImmutable();
        }

        /// <summary>One server, or null when anything in it is invalid.</summary>
        private UpstreamServerConfig? Server(SourceNode node, string path)
        {
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "A server is {\"id\", \"url\", \"policy\"}.");
                return null;
            }

            var before = _read.ErrorCount;
            var unsetBefore = _unsetSecrets.Count;
            var problemsBefore = _policyProblems.Count;
            var keys = Keys(node, path, s_serverKeys);
            var id = ServerId(node, keys, path);
            var server = ServerTransport(node, keys, path, id);
            var (policyPath, policyFile) = PolicyFileOf(node, keys, path);
            server = server with
            {
                Headers = keys.TryGetValue("headers", out var headers) ? Headers(headers.Value, path + "/headers") : server.Headers,
                PolicyPath = policyPath,
                PolicyFile = policyFile,
                AllowMethods = keys.TryGetValue("allow_methods", out var methods) ? AllowMethods(methods.Value, path + "/allow_methods") : [],
                Limits = UpstreamLimits(keys, path),
                Pinning = keys.TryGetValue("pinning", out var pinning) ? Pinning(pinning.Value, path + "/pinning") : PinningMode.Tofu,
                Instructions = keys.TryGetValue("instructions", out var instructions) ? Instructions(instructions.Value, path + "/instructions") : UpstreamInstructions.Keep,
                Description = keys.TryGetValue("description", out var description) && String(description.Value, path + "/description") is { Length: > 0 } text ? text : null,
                RiskOverrides = keys.TryGetValue("risk_overrides", out var overrides)
                    ? RiskOverrides(overrides.Value, path + "/risk_overrides")
                    : ImmutableDictionary<string, RiskOverride>.Empty,
            };
            if (_read.ErrorCount != before)
            {
                return null;
            }

            return server with
            {
                UnsetSecrets = [.. _unsetSecrets.Skip(unsetBefore)],
                PolicyProblems = [.. _policyProblems.Skip(problemsBefore)],
            };
        }

        private string? ServerId(SourceNode node, Dictionary<string, SourceProperty> keys, string path)
        {
            if (!keys.TryGetValue("id", out var id))
            {
                Error(path, node, "The server has no 'id'.");
                return null;
            }

            if (String(id.Value, path + "/id") is not { } text)
            {
                return null;
            }

            if (!IdPattern().IsMatch(text))
            {
                Error(path + "/id", id.Value, $"'{text}' is not a valid id: use lower-case letters, digits, '-' and '_' (it becomes part of the URL).");
                return null;
            }

            return text;
        }

        /// <summary>How the server is reached: a Streamable HTTP <c>url</c>, or a <c>command</c> (with <c>args</c> and <c>env</c>) that speaks stdio.</summary>
        private UpstreamServerConfig ServerTransport(SourceNode node, Dictionary<string, SourceProperty> keys, string path, string? id)
        {
            // Placeholders stand in for what is invalid; the server is dropped then, so they are never used.
            var server = new UpstreamServerConfig { Id = id ?? "", Url = new Uri($"stdio://{id ?? "server"}") };
            if (keys.TryGetValue("command", out var command))
            {
                if (keys.ContainsKey("url"))
                {
                    Error(path, node, "A server has either a 'url' or a 'command', not both.");
                }

                var commandText = String(command.Value, path + "/command");
                if (commandText is { Length: 0 })
                {
                    Error(path + "/command", command.Value, "The command is empty; name the program that starts the server, such as \"npx\".");
                }

                return server with
                {
                    Command = commandText,
                    Arguments = keys.TryGetValue("args", out var args) ? StringArray(args.Value, path + "/args") : [],
                    Environment = keys.TryGetValue("env", out var env)
                        ? StringMap(env.Value, path + "/env", "'env' maps variable names to values (secrets as \"env:NAME\").", secrets: true, StringComparer.Ordinal)
                        : ImmutableDictionary<string, string>.Empty,
                };
            }

            if (!keys.TryGetValue("url", out var url))
            {
                Error(path, node, "The server has no 'url' (Streamable HTTP) or 'command' (stdio).");
            }
            else if (String(url.Value, path + "/url") is { } urlText)
            {
                if (Uri.TryCreate(urlText, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && string.IsNullOrEmpty(parsed.UserInfo))
                {
                    return server with { Url = parsed };
                }

                Error(path + "/url", url.Value, $"'{urlText}' is not an http(s) URL without credentials.");
            }

            return server;
        }

        /// <summary>Static headers sent upstream; the gateway's own headers and line breaks are refused.</summary>
        private ImmutableDictionary<string, string> Headers(SourceNode node, string path) =>
            StringMap(node, path, "'headers' maps header names to values (secrets as \"env:NAME\").", secrets: true, StringComparer.OrdinalIgnoreCase,
                (name, value) => s_reservedHeaders.Contains(name) ? $"'{name}' is set by the gateway and cannot be configured."
                    : value.AsSpan().IndexOfAny('\r', '\n') >= 0 ? "Header values cannot contain line breaks."
                    : null);

        /// <summary>
        /// The policy file's full path and, when it could be read, its parse (handed to serving so the
        /// file is not parsed twice); its errors are kept as policy problems, not configuration errors.
        /// </summary>
        private (string? Path, LoadedPolicyFile? File) PolicyFileOf(SourceNode node, Dictionary<string, SourceProperty> keys, string path)
        {
            if (!keys.TryGetValue("policy", out var policy))
            {
                Error(path, node, "The server has no 'policy' file; every server needs one (use {\"version\": \"1\", \"default\": \"deny\"} to deny everything).");
                return (null, null);
            }

            if (String(policy.Value, path + "/policy") is not { } policyText)
            {
                return (null, null);
            }

            var policyPath = Path.GetFullPath(Path.Combine(baseDirectory, policyText));
            return (policyPath, CheckPolicyFile(policyPath, path + "/policy", policy.Value.Position));
        }

        private LoadedPolicyFile? CheckPolicyFile(string path, string pointer, SourcePosition position)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _policyProblems.Add(new ConfigError(pointer, position, $"Cannot read policy file {path}: {e.Message}"));
                return null;
            }

            var parsed = PolicyParser.Parse(text, PolicyParser.FormatOf(path));
            foreach (var error in parsed.Errors)
            {
                _policyProblems.Add(new ConfigError(pointer, position, $"{path}: {error}"));
            }

            return new LoadedPolicyFile(text, parsed);
        }

        /// <summary>The value of <paramref name="key"/> in an object that has it.</summary>
        private static SourceNode ValueOf(SourceNode node, string key) => node.Properties.First(p => p.Name == key).Value;
    }

    /// <summary>Whether the gateway sets header <paramref name="name"/> itself, so no configuration may.</summary>
    internal static bool IsReservedHeader(string name) => s_reservedHeaders.Contains(name);

    private static readonly HashSet<string> s_reservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Type", "Content-Length", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID", "Transfer-Encoding", "Connection",
    };
}
