using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Portcullis.Cli.Audit;
using Portcullis.Gateway.Audit;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Audit;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy shadow-report --config F --server ID [--since 1h] [--json]</c>: what a policy
/// in <c>mode: shadow</c> would have denied or held, by tool and rule, from the audit log — the
/// evidence for switching it to enforce.
/// </summary>
internal static class PolicyShadowReportCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration whose store holds the audit log.", Required = true };
        var server = new Option<string>("--server") { Description = "The server whose shadow policy to report on.", Required = true };
        var since = new Option<string>("--since") { Description = "Calls from this long ago (30m, 1h, 7d) or this UTC time.", DefaultValueFactory = _ => "1h" };
        var examples = new Option<int>("--examples") { Description = "Example calls shown per tool and rule.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var command = new Command("shadow-report", "Report what a shadow-mode policy would have denied or held, by tool and rule, with counts and examples.")
        {
            configFile, server, since, examples, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (!ConfigFile.TryParseSince(parseResult.GetRequiredValue(since), timeProvider.GetUtcNow(), error, out var from))
            {
                return ExitCodes.UsageOrIo;
            }

            var exampleCount = parseResult.GetValue(examples);
            if (exampleCount < 0)
            {
                error.WriteLine($"--examples: {exampleCount} is not a count (0 or more).");
                return ExitCodes.UsageOrIo;
            }

            var serverId = parseResult.GetRequiredValue(server);
            return await ConfigFile.WithStateAsync(parseResult.GetRequiredValue(configFile), error, "audit records", async (config, state) =>
            {
                if (config.Servers.All(s => s.Id != serverId))
                {
                    error.WriteLine($"--server: no server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
                    return ExitCodes.Invalid;
                }

                var entries = await RecordedCalls.ReadAsync(config, state, serverId, from, cancellationToken);
                var shadow = entries.Where(e => e.DecidedBy?.Mode == PolicyMode.Shadow).ToList();
                var report = new ShadowReport(serverId, from, entries.Count, shadow, exampleCount);
                if (parseResult.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(report.ToJson(), s_json));
                }
                else
                {
                    report.WriteText(output);
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>The calls a shadow policy decided, and those it would have stopped, grouped by tool, rule and outcome.</summary>
    private sealed class ShadowReport(string serverId, DateTimeOffset since, int calls, List<RecordedCallEntry> shadow, int examples)
    {
        private readonly List<IGrouping<(string Tool, string Rule, PolicyOutcome Outcome), RecordedCallEntry>> _groups = [.. shadow
            .Where(e => e.Record.Decision == AuditDecisions.ShadowDeny)
            .GroupBy(e => (e.Call.Tool, Rule: e.Call.RuleId ?? "", e.Call.Outcome))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Tool, StringComparer.Ordinal).ThenBy(g => g.Key.Rule, StringComparer.Ordinal)];

        private int WouldDeny => _groups.Where(g => g.Key.Outcome == PolicyOutcome.Deny).Sum(g => g.Count());

        private int WouldHold => _groups.Where(g => g.Key.Outcome == PolicyOutcome.RequireApproval).Sum(g => g.Count());

        private string Versions => string.Join(", ", shadow.Select(e => e.Record.PolicyVersion).Distinct().Order());

        public void WriteText(TextWriter output)
        {
            var range = $"server '{serverId}' since {Format(since)}";
            if (shadow.Count == 0)
            {
                output.WriteLine(calls == 0
                    ? $"No tool calls of {range} in the audit log: there is no evidence yet."
                    : $"None of the {calls} tool call(s) of {range} was decided by a policy in shadow mode: set \"mode\": \"shadow\" and let traffic run first.");
                return;
            }

            output.WriteLine($"{shadow.Count} of {calls} tool call(s) of {range} were decided in shadow mode (policy version(s) {Versions}).");
            output.WriteLine($"Enforced, it would have denied {WouldDeny} ({Percent(WouldDeny)}) and held {WouldHold} ({Percent(WouldHold)}) for approval; {shadow.Count - WouldDeny - WouldHold} would have gone through as they did.");
            foreach (var group in _groups)
            {
                var first = group.First().Record;
                output.WriteLine();
                output.WriteLine($"{group.Count(),6}  {group.Key.Tool}  {(group.Key.Outcome == PolicyOutcome.Deny ? "would deny" : "would hold")}  by {group.Key.Rule}");
                output.WriteLine($"        {first.Reason}");
                foreach (var example in group.Take(examples))
                {
                    output.WriteLine($"        e.g. {Format(example.Record.Time)}  grant {example.Record.Grant}  session {example.Record.Session ?? "-"}  arguments {RecordedCalls.ArgumentsText(example.Record)}");
                }
            }
        }

        public object ToJson() => new
        {
            server = serverId,
            since = Format(since),
            calls,
            shadow_calls = shadow.Count,
            shadow_versions = shadow.Select(e => e.Record.PolicyVersion).Distinct().Order(),
            would_deny = WouldDeny,
            would_hold = WouldHold,
            groups = _groups.Select(g => new
            {
                tool = g.Key.Tool,
                rule_id = g.Key.Rule,
                outcome = PolicyOutcomeNames.NameOf(g.Key.Outcome),
                count = g.Count(),
                reason = g.First().Record.Reason,
                examples = g.Take(examples).Select(e => new
                {
                    time = Format(e.Record.Time),
                    request_id = e.Record.RequestId,
                    grant = e.Record.Grant,
                    session = e.Record.Session,
                    arguments = RecordedCalls.ArgumentsText(e.Record),
                    policy_version = e.Record.PolicyVersion,
                }),
            }),
        };

        private string Percent(int count) => (100.0 * count / shadow.Count).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
