using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Portcullis.Cli.Policies;
using Portcullis.Gateway.Audit;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Replay;

namespace Portcullis.Cli.Audit;

/// <summary>
/// <c>portcullis audit replay --config F --policy NEW [--since 7d] [--server ID] [--json]</c>: every
/// recorded tool-call decision decided again under a new policy, to see what it would change.
/// </summary>
internal static class AuditReplayCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration whose store holds the audit log.", Required = true };
        var policyOption = new Option<string>("--policy") { Description = "The new policy file to decide the recorded calls with.", Required = true };
        var since = new Option<string>("--since") { Description = "Calls from this long ago (30m, 1h, 7d) or this UTC time.", DefaultValueFactory = _ => "7d" };
        var server = new Option<string?>("--server") { Description = "The server whose calls to replay; needed when the configuration has several." };
        var json = new Option<bool>("--json") { Description = "Print the summary and every replayed call as JSON." };
        var command = new Command("replay", "Decide the recorded tool calls again under a new policy and show which would change.")
        {
            configFile, policyOption, since, server, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (!ConfigFile.TryParseSince(parseResult.GetRequiredValue(since), timeProvider.GetUtcNow(), error, out var from))
            {
                return ExitCodes.UsageOrIo;
            }

            var policyPath = parseResult.GetRequiredValue(policyOption);
            if (!PolicyFile.TryLoad(policyPath, error, out var policy, out var exitCode))
            {
                return exitCode;
            }

            return await ConfigFile.WithStateAsync(parseResult.GetRequiredValue(configFile), error, "audit records", async (config, state) =>
            {
                var serverId = parseResult.GetValue(server);
                if (serverId is null && config.Servers.Length != 1)
                {
                    error.WriteLine($"--server: the configuration has {config.Servers.Length} servers ({string.Join(", ", config.Servers.Select(s => s.Id))}); a policy is for one of them, so name it.");
                    return ExitCodes.UsageOrIo;
                }

                serverId ??= config.Servers[0].Id;
                if (config.Servers.All(s => s.Id != serverId))
                {
                    error.WriteLine($"--server: no server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
                    return ExitCodes.Invalid;
                }

                var entries = await RecordedCalls.ReadAsync(config, state, serverId, from, cancellationToken);
                var range = $"server '{serverId}' since {Format(from)}";
                if (entries.Count == 0)
                {
                    output.WriteLine($"No tool calls of {range} in the audit log: nothing to replay.");
                    return ExitCodes.Success;
                }

                var replayed = CallReplayer.Replay(policy.Policy!, entries.Select(e => e.Call));
                if (parseResult.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(ToJson(serverId, from, policyPath, replayed), s_json));
                }
                else
                {
                    WriteText(output, range, policyPath, replayed);
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static void WriteText(TextWriter output, string range, string policyPath, IReadOnlyList<ReplayedCall> replayed)
    {
        var changed = replayed.Where(r => r.Changed).ToList();
        var notReplayable = replayed.Where(r => r.NotReplayable is not null).ToList();
        output.WriteLine($"Replayed {replayed.Count} recorded call(s) of {range} under {policyPath}:");
        output.WriteLine($"  {changed.Count} would be decided differently, {replayed.Count - changed.Count - notReplayable.Count} the same, {notReplayable.Count} not replayable.");
        if (changed.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Would change (by tool and new rule):");
            foreach (var group in changed.GroupBy(r => (r.Call.Tool, Was: Name(r.Call.Outcome), Now: Name(r.Decision!.Value.Outcome), Rule: r.Decision!.Value.RuleId))
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Tool, StringComparer.Ordinal))
            {
                output.WriteLine($"  {group.Count(),6}  {group.Key.Tool}: {group.Key.Was} → {group.Key.Now} by {group.Key.Rule}");
            }

            output.WriteLine();
            output.WriteLine("Calls:");
            foreach (var call in changed)
            {
                var decision = call.Decision!.Value;
                output.WriteLine($"  {Format(call.Call.Time)}  {call.Call.Tool}  grant {call.Call.GrantName}  {call.Call.RecordedDecision} by {call.Call.RuleId} → {Name(decision.Outcome)} by {decision.RuleId}: {decision.Reason}");
            }
        }

        if (notReplayable.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Not replayable (never guessed):");
            foreach (var group in notReplayable.GroupBy(r => (r.Call.Tool, Why: r.NotReplayable!)).OrderBy(g => g.Key.Tool, StringComparer.Ordinal))
            {
                output.WriteLine($"  {group.Count(),6}  {group.Key.Tool}: {group.Key.Why}");
            }
        }
    }

    private static object ToJson(string serverId, DateTimeOffset since, string policyPath, IReadOnlyList<ReplayedCall> replayed) => new
    {
        server = serverId,
        since = Format(since),
        policy = policyPath,
        calls = replayed.Count,
        changed = replayed.Count(r => r.Changed),
        unchanged = replayed.Count(r => r.Decision is not null && !r.Changed),
        not_replayable = replayed.Count(r => r.NotReplayable is not null),
        by_tool_and_rule = replayed.Where(r => r.Changed)
            .GroupBy(r => (r.Call.Tool, Was: Name(r.Call.Outcome), Now: Name(r.Decision!.Value.Outcome), Rule: r.Decision!.Value.RuleId))
            .Select(g => new { tool = g.Key.Tool, was = g.Key.Was, now = g.Key.Now, rule_id = g.Key.Rule, count = g.Count() }),
        replayed = replayed.Select(r => new
        {
            time = Format(r.Call.Time),
            request_id = r.Call.RequestId,
            tool = r.Call.Tool,
            grant = r.Call.GrantName,
            recorded_decision = r.Call.RecordedDecision,
            recorded_rule_id = r.Call.RuleId,
            was = Name(r.Call.Outcome),
            now = r.Decision is { } d ? Name(d.Outcome) : null,
            rule_id = r.Decision?.RuleId,
            reason = r.Decision?.Reason,
            changed = r.Changed,
            not_replayable = r.NotReplayable,
        }),
    };

    private static string Name(PolicyOutcome outcome) => PolicyOutcomeNames.NameOf(outcome);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
