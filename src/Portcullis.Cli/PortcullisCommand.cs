using System.CommandLine;
using Portcullis.Cli.Approvals;
using Portcullis.Cli.Audit;
using Portcullis.Cli.Grants;
using Portcullis.Cli.Policies;
using Portcullis.Cli.Serving;

namespace Portcullis.Cli;

/// <summary>The <c>portcullis</c> command tree.</summary>
internal static class PortcullisCommand
{
    public static RootCommand Create(TimeProvider timeProvider)
    {
        var policy = new Command("policy", "Check policy files, see how they decide calls, and manage the stored versions.")
        {
            PolicyCheckCommand.Create(),
            PolicyExplainCommand.Create(timeProvider),
        };
        foreach (var command in PolicyVersionsCommands.Create(timeProvider))
        {
            policy.Subcommands.Add(command);
        }

        return new RootCommand("Portcullis: an MCP policy gateway.") { ServeCommand.Create(), StdioCommand.Create(), GrantsCommand.Create(timeProvider), policy,
            AuditCommand.Create(timeProvider), ApprovalsCommand.Create(timeProvider) };
    }
}
