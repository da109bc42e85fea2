using System.Collections.Immutable;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;

namespace Portcullis.Cli.Demo;

/// <summary>The configuration <c>serve --demo</c> runs: the demo upstream behind the product brief's policy (with argument validation), one fresh grant, one fresh admin.</summary>
internal static class DemoConfig
{
    /// <summary>The name of the demo grant.</summary>
    public const string GrantName = "demo";

    /// <summary>The name of the demo admin, who signs in to the admin UI.</summary>
    public const string AdminName = "demo-admin";

    /// <summary>The product brief's example policy, verbatim.</summary>
    public const string BriefPolicy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": {
              "limits": [
                {
                  "counter": "code_generate_rate",
                  "window": "minute",
                  "max": 10,
                  "scope": "grant"
                }
              ]
            }
          }
        }
        """;

    /// <summary>
    /// The policy the demo serves: the brief's, with argument validation on for <c>code_generate</c>,
    /// as the brief advises for execute tools.
    /// </summary>
    public const string DemoPolicy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": {
              "validate_args": true,
              "limits": [
                {
                  "counter": "code_generate_rate",
                  "window": "minute",
                  "max": 10,
                  "scope": "grant"
                }
              ]
            }
          }
        }
        """;

    /// <summary>A demo configuration for an upstream at <paramref name="upstream"/>, with a new random grant token and a new random admin token (role admin) for the admin UI.</summary>
    public static GatewayConfig Create(Uri listen, Uri upstream, out string token, out string adminToken)
    {
        token = GrantRegistry.NewToken();
        adminToken = "pca_" + GrantRegistry.Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        return new GatewayConfig
        {
            Listen = listen,
            Store = StoreConfig.Sqlite("portcullis-demo.db"),
            // Described as an operator would, so the admin UI's risk view has the server's context.
            Servers = [new UpstreamServerConfig { Id = DemoUpstream.ServerId, Url = upstream, PolicyText = DemoPolicy, Description = DemoUpstream.ServerDescription }],
            Grants = [new GrantConfig { Name = GrantName, Servers = [DemoUpstream.ServerId], Token = token, Labels = ImmutableDictionary<string, string>.Empty }],
            Admins = [new AdminConfig { Name = AdminName, Token = adminToken, Role = AdminRole.Admin }],
        };
    }
}
