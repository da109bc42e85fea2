using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Spectre.Console;

namespace Portcullis.Cli.Approvals;

/// <summary>
/// <c>portcullis approvals list|show|approve|deny</c>: deciding held calls from the command line.
/// The decision goes into the store (and is announced to every instance), so the gateway holding
/// the call releases it within a second; the approver is recorded as <c>cli:user@host</c>.
/// </summary>
internal static class ApprovalsCommand
{
    public static Command Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration whose store holds the approvals.", Required = true };
        var command = new Command("approvals", "List and decide calls held for approval.");
        command.Subcommands.Add(List(configFile));
        command.Subcommands.Add(Show(configFile));
        command.Subcommands.Add(Decide(configFile, timeProvider, approve: true));
        command.Subcommands.Add(Decide(configFile, timeProvider, approve: false));
        return command;
    }

    private static Command List(Option<string> configFile)
    {
        var all = new Option<bool>("--all") { Description = "Also decided ones (default: pending only)." };
        var command = new Command("list", "List approvals, newest first.") { configFile, all };
        command.SetAction((parseResult, cancellationToken) => WithStateAsync(parseResult, configFile, async (_, state, output, _) =>
        {
            var approvals = await state.Approvals.ListAsync(parseResult.GetValue(all) ? null : ApprovalStatus.Pending, 200, cancellationToken);
            var table = new Table().AddColumns("ID", "STATUS", "GRANT", "SERVER", "TOOL", "REQUESTED (UTC)", "EXPIRES (UTC)", "REASON");
            foreach (var a in approvals)
            {
                table.AddRow(Cell(a.Id), Cell(a.Status), Cell(a.Grant), Cell(a.Server), Cell(a.Tool), Cell(Time(a.RequestedAt)), Cell(Time(a.ExpiresAt)), Cell(a.Reason));
            }

            TextTable.Write(output, table);
            output.WriteLine($"{approvals.Count} approval(s).");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Show(Option<string> configFile)
    {
        var id = new Argument<string>("id") { Description = "The approval's id (apr_…)." };
        var command = new Command("show", "Show one approval, with the call's arguments as the policy lets the gateway keep them.") { configFile, id };
        command.SetAction((parseResult, cancellationToken) => WithStateAsync(parseResult, configFile, async (_, state, output, error) =>
        {
            var approvalId = parseResult.GetRequiredValue(id);
            if (await state.Approvals.GetAsync(approvalId, cancellationToken) is not { } approval)
            {
                error.WriteLine($"No approval has id '{approvalId}'.");
                return ExitCodes.Invalid;
            }

            foreach (var (key, value) in ApprovalJson.From(approval))
            {
                output.WriteLine($"{key,-13} {value ?? "-"}");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Decide(Option<string> configFile, TimeProvider timeProvider, bool approve)
    {
        var id = new Argument<string>("id") { Description = "The approval's id (apr_…)." };
        var comment = new Option<string?>("--comment") { Description = approve ? "Why; shown in the audit log." : "Why; the agent receives it with the denial." };
        var command = new Command(approve ? "approve" : "deny", approve ? "Approve a held call: it is forwarded." : "Deny a held call.") { configFile, id, comment };
        command.SetAction((parseResult, cancellationToken) => WithStateAsync(parseResult, configFile, async (config, state, output, error) =>
        {
            var audit = ConfigFile.OpenAuditLog(config, state);
            await using var _ = audit;
            var service = new ApprovalService(state.Approvals, state.Changes, audit, timeProvider, NullLogger<ApprovalService>.Instance);
            var approvalId = parseResult.GetRequiredValue(id);
            var (result, approval) = await service.DecideAsync(approvalId, approve, ConfigFile.Actor, parseResult.GetValue(comment), cancellationToken);
            switch (result)
            {
                case DecisionResult.Decided:
                    output.WriteLine($"{(approve ? "Approved" : "Denied")} {approval!.Id}: {approval.Tool} on '{approval.Server}' for grant '{approval.Grant}'.");
                    return ExitCodes.Success;
                case DecisionResult.NotFound:
                    error.WriteLine($"No approval has id '{approvalId}'.");
                    return ExitCodes.Invalid;
                case DecisionResult.SelfApproval:
                    error.WriteLine($"'{ConfigFile.Actor}' made this call and cannot decide its own approval.");
                    return ExitCodes.Invalid;
                default:
                    error.WriteLine($"Approval '{approvalId}' is already {approval?.Status ?? "decided"}.");
                    return ExitCodes.Invalid;
            }
        }, cancellationToken, writesAudit: true));
        return command;
    }

    private static Task<int> WithStateAsync(ParseResult parseResult, Option<string> configFile,
        Func<GatewayConfig, StoreSet, TextWriter, TextWriter, Task<int>> action, CancellationToken cancellationToken, bool writesAudit = false)
    {
        var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        return ConfigFile.WithStateAsync(parseResult.GetRequiredValue(configFile), error, "approvals",
            (config, state) => action(config, state, output, error), cancellationToken, writesAudit);
    }

    private static string Time(DateTimeOffset time) => AuditCanonicalForm.FormatTime(time)[..19].Replace('T', ' ');

    private static Markup Cell(string? text) => TextTable.Cell(text);
}
