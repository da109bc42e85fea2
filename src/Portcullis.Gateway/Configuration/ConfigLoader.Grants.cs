using System.Collections.Immutable;
using System.Globalization;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>grants</c> list.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_grantKeys = ["name", "servers", "token", "labels", "expires"];

    private sealed partial class Reader
    {
        /// <summary>Every valid grant whose token is set here; names and tokens unique, servers among <paramref name="servers"/>.</summary>
        private ImmutableArray<GrantConfig> Grants(SourceNode node, ImmutableArray<UpstreamServerConfig> servers)
        {
            if (node.Kind != SourceNodeKind.Array)
            {
                Error("/grants", node, "'grants' is a list of {name, servers, token}.");
                return [];
            }

            var serverIds = servers.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var grants = ImmutableArray.CreateBuilder<GrantConfig>();
            for (var i = 0; i < node.Items.Count; i++)
            {
                var item = node.Items[i];
                var path = JsonPointer.Append("/grants", i);
                if (Grant(item, path, serverIds) is not { } grant)
                {
                    continue;
                }

                if (grants.Any(g => g.Name == grant.Name))
                {
                    Error(path + "/name", ValueOf(item, "name"), $"Grant name '{grant.Name}' is used twice.");
                }
                else if (grants.Any(g => g.Token == grant.Token))
                {
                    Error(path + "/token", ValueOf(item, "token"), $"Grant '{grant.Name}' has the same token as another grant; every grant needs its own.");
                }
                else
                {
                    grants.Add(grant);
                }
            }

            return grants.ToImmutable();
        }

        /// <summary>One grant, or null when anything in it is invalid or its token's variable is not set.</summary>
        private GrantConfig? Grant(SourceNode node, string path, HashSet<string> serverIds)
        {
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "A grant is {\"name\", \"servers\", \"token\"}.");
                return null;
            }

            var before = _read.ErrorCount;
            var unsetBefore = _unsetSecrets.Count;
            var keys = Keys(node, path, s_grantKeys);
            string? name = null;
            if (!keys.TryGetValue("name", out var nameNode))
            {
                Error(path, node, "The grant has no 'name'.");
            }
            else if (String(nameNode.Value, path + "/name") is { Length: > 0 } nameText)
            {
                name = nameText;
            }

            var servers = GrantServers(node, keys, path, serverIds);
            string? token = null;
            if (!keys.TryGetValue("token", out var tokenNode))
            {
                Error(path, node, "The grant has no 'token'; use \"env:NAME\" to read it from the environment.");
            }
            else
            {
                token = Token(tokenNode.Value, path + "/token");
            }

            var labels = keys.TryGetValue("labels", out var labelsNode)
                ? StringMap(labelsNode.Value, path + "/labels", "'labels' maps names to string values.", secrets: false, StringComparer.Ordinal)
                : ImmutableDictionary<string, string>.Empty;
            var expires = keys.TryGetValue("expires", out var expiresNode) ? Expires(expiresNode.Value, path + "/expires") : null;
            if (_read.ErrorCount != before || _unsetSecrets.Count != unsetBefore)
            {
                // A grant whose token is not in this environment cannot authenticate anyone here.
                return null;
            }

            return new GrantConfig { Name = name!, Servers = servers, Token = token!, Labels = labels, Expires = expires };
        }

        private ImmutableArray<string> GrantServers(SourceNode node, Dictionary<string, SourceProperty> keys, string path, HashSet<string> serverIds)
        {
            if (!keys.TryGetValue("servers", out var serversNode))
            {
                Error(path, node, "The grant has no 'servers' list.");
                return [];
            }

            var servers = StringArray(serversNode.Value, path + "/servers");
            for (var i = 0; i < serversNode.Value.Items.Count; i++)
            {
                if (serversNode.Value.Items[i] is { Kind: SourceNodeKind.String, Text: { } server } item && !serverIds.Contains(server))
                {
                    Error(JsonPointer.Append(path + "/servers", i), item, $"No server has id '{server}'.");
                }
            }

            return servers;
        }

        /// <summary>A bearer token (a grant's or an admin's): a secret of at least 24 characters.</summary>
        private string? Token(SourceNode node, string path)
        {
            if (Secret(node, path) is not { } token)
            {
                return null;
            }

            if (token.Length < 24)
            {
                Error(path, node, "The token is shorter than 24 characters; use a long random value.");
                return null;
            }

            return token;
        }

        private DateTimeOffset? Expires(SourceNode node, string path)
        {
            if (String(node, path) is not { } text)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return parsed;
            }

            Error(path, node, $"'{text}' is not a date and time such as 2027-01-01T00:00:00Z.");
            return null;
        }
    }
}
