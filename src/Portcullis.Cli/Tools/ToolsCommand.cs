using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Pins;
using Spectre.Console;

namespace Portcullis.Cli.Tools;

/// <summary>
/// <c>portcullis tools list|diff|approve</c>: reviewing the pinned tool definitions of one server
/// in the store the gateway uses. An approval takes effect at the gateway's next check of the
/// tool (the next call or tool list); it is recorded with the approver as <c>cli:user@host</c>.
/// </summary>
internal static class ToolsCommand
{
    private const int HashPrefix = 12;

    public static Command Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration whose store holds the pins.", Required = true };
        var server = new Option<string>("--server") { Description = "The server's id.", Required = true };
        var command = new Command("tools", "Review and approve the pinned definitions of a server's tools.");
        command.Subcommands.Add(List(configFile, server));
        command.Subcommands.Add(Diff(configFile, server));
        command.Subcommands.Add(Approve(configFile, server, timeProvider));
        return command;
    }

    private static Command List(Option<string> configFile, Option<string> server)
    {
        var tool = new Argument<string?>("tool") { Description = "Only this tool.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", "List the server's pinned tools: state (pinned, changed, unapproved) and hash prefixes.") { configFile, server, tool };
        command.SetAction((parseResult, cancellationToken) => WithServerAsync(parseResult, configFile, server, async (_, state, serverId, output, error) =>
        {
            var only = parseResult.GetValue(tool);
            var pins = (await state.Pins.ListAsync(serverId, cancellationToken)).Where(p => only is null || p.Tool == only).ToList();
            if (only is not null && pins.Count == 0)
            {
                error.WriteLine($"Server '{serverId}' has no pinned tool named '{only}'.");
                return ExitCodes.Invalid;
            }

            var table = new Table().AddColumns("TOOL", "STATE", "APPROVED", "BY", "ADVERTISED", "SINCE (UTC)");
            foreach (var pin in pins)
            {
                table.AddRow(Cell(pin.Tool), Cell(StateName(pin.State)), Cell(Prefix(pin.ApprovedHash)), Cell(pin.ApprovedBy ?? "-"),
                    Cell(Prefix(pin.PendingHash ?? pin.ApprovedHash)), Cell(Time(pin.PendingSince ?? pin.ApprovedAt ?? pin.FirstSeen)));
            }

            TextTable.Write(output, table);
            output.WriteLine($"{pins.Count} tool(s); {pins.Count(p => p.State != ToolPinState.Pinned)} quarantined.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Diff(Option<string> configFile, Option<string> server)
    {
        var tool = new Argument<string>("tool") { Description = "The tool's name." };
        var command = new Command("diff", "Show what differs between a tool's approved definition and the one its server advertises now.") { configFile, server, tool };
        command.SetAction((parseResult, cancellationToken) => WithServerAsync(parseResult, configFile, server, async (_, state, serverId, output, error) =>
        {
            var toolName = parseResult.GetRequiredValue(tool);
            if (await state.Pins.GetAsync(serverId, toolName, cancellationToken) is not { } pin)
            {
                error.WriteLine($"Server '{serverId}' has no pinned tool named '{toolName}'.");
                return ExitCodes.Invalid;
            }

            if (pin.PendingDefinition is null)
            {
                error.WriteLine($"{toolName} on '{serverId}': no change awaits review; the server advertises the approved definition (sha256 {Prefix(pin.ApprovedHash)}).");
                return ExitCodes.Invalid;
            }

            output.WriteLine(pin.ApprovedHash is null
                ? $"{toolName} on '{serverId}': never approved; advertised sha256 {pin.PendingHash} since {Time(pin.PendingSince)}"
                : $"{toolName} on '{serverId}': approved sha256 {pin.ApprovedHash} ({pin.ApprovedBy}, {Time(pin.ApprovedAt)}); "
                    + $"advertised sha256 {pin.PendingHash} since {Time(pin.PendingSince)}");
            foreach (var change in DefinitionChanges.Between(pin.ApprovedDefinition, pin.PendingDefinition))
            {
                output.WriteLine($"{change.Part} {change.Kind}");
                if (change.Before is not null)
                {
                    output.WriteLine("  - " + change.Before);
                }

                if (change.After is not null)
                {
                    output.WriteLine("  + " + change.After);
                }
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Approve(Option<string> configFile, Option<string> server, TimeProvider timeProvider)
    {
        var tool = new Argument<string>("tool") { Description = "The tool's name." };
        var command = new Command("approve", "Approve the definition a tool's server advertises now: the tool leaves quarantine.") { configFile, server, tool };
        command.SetAction((parseResult, cancellationToken) => WithServerAsync(parseResult, configFile, server, async (config, state, serverId, output, error) =>
        {
            var audit = ConfigFile.OpenAuditLog(config, state);
            await using var _ = audit;
            var pins = new ToolPins(state.Pins, audit, timeProvider, NullLogger.Instance);
            var toolName = parseResult.GetRequiredValue(tool);
            var (result, pin) = await pins.ApproveAsync(serverId, toolName, ConfigFile.Actor, cancellationToken);
            switch (result)
            {
                case PinApprovalResult.Approved:
                    output.WriteLine($"Approved {toolName} on '{serverId}': sha256 {pin!.ApprovedHash}.");
                    return ExitCodes.Success;
                case PinApprovalResult.NotFound:
                    error.WriteLine($"Server '{serverId}' has no pinned tool named '{toolName}'.");
                    return ExitCodes.Invalid;
                default:
                    error.WriteLine($"{toolName} on '{serverId}': nothing awaits approval; the approved definition (sha256 {Prefix(pin?.ApprovedHash)}) is the one advertised.");
                    return ExitCodes.Invalid;
            }
        }, cancellationToken));
        return command;
    }

    private static Task<int> WithServerAsync(ParseResult parseResult, Option<string> configFile, Option<string> server,
        Func<GatewayConfig, StoreSet, string, TextWriter, TextWriter, Task<int>> action, CancellationToken cancellationToken)
    {
        var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        var serverId = parseResult.GetRequiredValue(server);
        return ConfigFile.WithStateAsync(parseResult.GetRequiredValue(configFile), error, "pinned tool definitions", async (config, state) =>
        {
            if (config.Servers.FirstOrDefault(s => s.Id == serverId) is not { } configured)
            {
                error.WriteLine($"No server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
                return ExitCodes.Invalid;
            }

            if (configured.Pinning == PinningMode.Off)
            {
                error.WriteLine($"Note: server '{serverId}' has \"pinning\": \"off\"; the gateway neither records nor checks its definitions.");
            }

            return await action(config, state, serverId, output, error);
        }, cancellationToken);
    }

    private static string StateName(ToolPinState state) => state switch
    {
        ToolPinState.Pinned => "pinned",
        ToolPinState.Changed => "changed",
        _ => "unapproved",
    };

    private static string Prefix(string? hash) => hash is null ? "-" : hash[..HashPrefix];

    private static string Time(DateTimeOffset? time) => time is { } value ? AuditCanonicalForm.FormatTime(value)[..19].Replace('T', ' ') : "-";

    private static Markup Cell(string? text) => TextTable.Cell(text);
}
