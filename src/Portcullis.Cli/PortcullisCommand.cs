using System.CommandLine;
using Portcullis.Cli.Approvals;
using Portcullis.Cli.Audit;
using Portcullis.Cli.Grants;
using Portcullis.Cli.Policies;
using Portcullis.Cli.Scanning;
using Portcullis.Cli.Serving;
using Portcullis.Cli.Tools;

namespace Portcullis.Cli;

/// <summary>The <c>portcullis</c> command tree.</summary>
internal static class PortcullisCommand
{
    /// <summary>
    /// Parses and runs one command line, with the exit codes of docs/cli.md: a usage error (an
    /// unknown command or option, a missing or malformed value) exits 2 like the commands' own,
    /// and so does an unexpected exception, written to the error stream in full.
    /// </summary>
    public static int Run(string[] args, TimeProvider timeProvider, TextWriter? output = null, TextWriter? error = null)
    {
        var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output ?? Console.Out, Error = error ?? Console.Error };
        var parseResult = Create(timeProvider).Parse(args);
        try
        {
            var exitCode = parseResult.Invoke(configuration);
            return parseResult.Errors.Count > 0 ? ExitCodes.UsageOrIo : exitCode;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            configuration.Error.WriteLine($"Unhandled exception: {e}");
            return ExitCodes.UsageOrIo;
        }
    }

    public static RootCommand Create(TimeProvider timeProvider)
    {
        var policy = new Command("policy", "Check policy files, see how they decide calls, and manage the stored versions.")
        {
            PolicyCheckCommand.Create(),
            PolicyExplainCommand.Create(timeProvider),
            PolicyTestCommand.Create(),
            PolicyDiffCommand.Create(),
            PolicyFmtCommand.Create(),
            PolicyShadowReportCommand.Create(timeProvider),
        };
        foreach (var command in PolicyVersionsCommands.Create(timeProvider))
        {
            policy.Subcommands.Add(command);
        }

        return new RootCommand("Portcullis: an MCP policy gateway.") { ServeCommand.Create(), StdioCommand.Create(), GrantsCommand.Create(timeProvider), policy,
            AuditCommand.Create(timeProvider), ApprovalsCommand.Create(timeProvider), ToolsCommand.Create(timeProvider), ScanCommand.Create() };
    }
}
