using System.CommandLine;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Cli.Serving;

/// <summary>What the serving commands (<c>serve</c>, <c>stdio</c>) share: the invalid-policy option and the start-up check.</summary>
internal static class ServingOptions
{
    /// <summary><c>--if-policy-invalid refuse|use-stored</c>.</summary>
    public static Option<InvalidPolicyFile> IfPolicyInvalid() => new("--if-policy-invalid")
    {
        Description = "When a server's policy file has errors: 'refuse' to start (the default), or 'use-stored' to serve its newest stored version with a warning.",
        DefaultValueFactory = _ => InvalidPolicyFile.Refuse,
        CustomParser = result => result.Tokens.Single().Value switch
        {
            "refuse" => InvalidPolicyFile.Refuse,
            "use-stored" => InvalidPolicyFile.UseStored,
            var other => Fail(result, other),
        },
    };

    /// <summary>
    /// The configuration ready to serve <paramref name="serverId"/> (all servers when null), or null
    /// after writing what stops it; policy file errors that stored versions stand in for are written as warnings.
    /// </summary>
    public static GatewayConfig? Prepare(GatewayConfig config, string? serverId, string path, TextWriter error)
    {
        if (config.ProblemsForServing(serverId) is { Count: > 0 } problems)
        {
            ConfigFile.WriteProblems(error, path, problems);
            if (problems.Any(p => p.Path.EndsWith("/policy", StringComparison.Ordinal)))
            {
                error.WriteLine("Fix the policy file (portcullis policy check FILE), or start on its newest stored version with --if-policy-invalid use-stored.");
            }

            return null;
        }

        foreach (var problem in config.Servers.Where(s => serverId is null || s.Id == serverId).SelectMany(s => s.PolicyProblems))
        {
            error.WriteLine($"warning: {path}: {problem} (serving the newest stored version instead)");
        }

        return config;
    }

    private static InvalidPolicyFile Fail(System.CommandLine.Parsing.ArgumentResult result, string value)
    {
        result.AddError($"--if-policy-invalid: '{value}' is not 'refuse' or 'use-stored'.");
        return InvalidPolicyFile.Refuse;
    }
}
