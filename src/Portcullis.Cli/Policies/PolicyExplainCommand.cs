using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy explain FILE TOOL [ARGUMENTS]</c>: decides one call against a policy and
/// prints every rule checked on the way, so an operator can see why a call is allowed or denied.
/// </summary>
internal static class PolicyExplainCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create(TimeProvider timeProvider)
    {
        var file = new Argument<string>("file") { Description = "The policy file." };
        var tool = new Argument<string>("tool") { Description = "The tool's name." };
        var arguments = new Argument<string>("arguments") { Description = "The call's arguments as a JSON object.", DefaultValueFactory = _ => "{}" };
        var grant = new Option<string>("--grant") { Description = "The grant the call runs under.", DefaultValueFactory = _ => "cli" };
        var labels = new Option<string[]>("--label") { Description = "A grant label, key=value; repeatable.", AllowMultipleArgumentsPerToken = false };
        var session = new Option<string>("--session") { Description = "The MCP session id.", DefaultValueFactory = _ => "cli-session" };
        var server = new Option<string>("--server") { Description = "The upstream server id.", DefaultValueFactory = _ => "default" };
        var time = new Option<string?>("--time") { Description = "When the call is decided (ISO 8601, UTC); default now." };
        var json = new Option<bool>("--json") { Description = "Print the explanation as JSON." };

        var command = new Command("explain", "Decide one call against a policy and show every rule checked.")
        {
            file, tool, arguments, grant, labels, session, server, time, json,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!PolicyFile.TryLoad(parseResult.GetRequiredValue(file), error, out var result, out var exitCode))
            {
                return exitCode;
            }

            if (!TryBuildCall(parseResult, timeProvider, error, out var call, tool, arguments, grant, labels, session, server, time))
            {
                return ExitCodes.UsageOrIo;
            }

            var explanation = result.Policy!.Explain(call);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(ToJson(call, explanation), s_json));
            }
            else
            {
                WriteText(output, call, explanation);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static bool TryBuildCall(ParseResult parseResult, TimeProvider timeProvider, TextWriter error, out ToolCall call,
        Argument<string> tool, Argument<string> arguments, Option<string> grant, Option<string[]> labels,
        Option<string> session, Option<string> server, Option<string?> time)
    {
        call = default;
        JsonElement args;
        try
        {
            using var document = JsonDocument.Parse(parseResult.GetRequiredValue(arguments));
            args = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            error.WriteLine($"arguments: not valid JSON: {e.Message}");
            return false;
        }

        if (args.ValueKind != JsonValueKind.Object)
        {
            error.WriteLine("arguments: must be a JSON object, e.g. '{\"language\": \"python\"}'.");
            return false;
        }

        if (!ConfigFile.TryParsePairs(parseResult.GetValue(labels) ?? [], "--label", error, out var labelPairs))
        {
            return false;
        }

        var at = timeProvider.GetUtcNow();
        if (parseResult.GetValue(time) is { } timeText
            && !DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at))
        {
            error.WriteLine($"--time: '{timeText}' is not a date and time (use e.g. 2026-11-25T09:30:00Z).");
            return false;
        }

        call = new ToolCall(parseResult.GetRequiredValue(server), parseResult.GetRequiredValue(tool), args,
            new PolicyGrant(parseResult.GetRequiredValue(grant), labelPairs), parseResult.GetValue(session), at);
        return true;
    }

    private static void WriteText(TextWriter output, ToolCall call, PolicyExplanation explanation)
    {
        output.WriteLine($"Call: {call.ToolName} {call.Arguments.GetRawText()} as grant '{call.Grant.Name}' at {call.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        output.WriteLine();
        var width = explanation.Steps.Max(s => s.RuleId.Length);
        foreach (var step in explanation.Steps)
        {
            output.WriteLine($"  {ResultText(step.Result),-9} {step.RuleId.PadRight(width)}  {step.Check}");
        }

        var decision = explanation.Decision;
        output.WriteLine();
        output.WriteLine($"Decision: {OutcomeText(decision.Outcome)}{(decision.IsShadow ? " (shadow mode: recorded, not enforced)" : "")} by {decision.RuleId}");
        output.WriteLine($"Reason:   {decision.Reason}");
        for (var i = 0; i < decision.Limits.Count; i++)
        {
            var limit = decision.Limits[i];
            output.WriteLine($"Reserves: {limit.Amount} on '{limit.Limit.Counter}' (max {limit.Max}, window {limit.WindowStart.UtcDateTime:HH:mm:ss}–{limit.WindowEnd.UtcDateTime:HH:mm:ss}Z, key {limit.Key})");
        }

        if (decision.Approval is { } approval)
        {
            output.WriteLine($"Approval: waits up to {approval.Timeout}, then {approval.OnTimeout.ToString().ToLowerInvariant()}");
        }
    }

    private static object ToJson(ToolCall call, PolicyExplanation explanation)
    {
        var decision = explanation.Decision;
        return new
        {
            tool = call.ToolName,
            grant = call.Grant.Name,
            time = call.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            decision = OutcomeText(decision.Outcome).ToLowerInvariant(),
            shadow = decision.IsShadow,
            rule_id = decision.RuleId,
            reason = decision.Reason,
            limits = decision.Limits.ToList().Select(l => new
            {
                counter = l.Limit.Counter,
                rule_id = l.Limit.RuleId,
                key = l.Key,
                amount = l.Amount,
                max = l.Max,
                window_start = l.WindowStart.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                window_end = l.WindowEnd.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            }),
            approval = decision.Approval is { } a ? new { rule_id = a.RuleId, timeout_seconds = a.Timeout.TotalSeconds, on_timeout = a.OnTimeout.ToString().ToLowerInvariant() } : null,
            steps = explanation.Steps.Select(s => new { rule_id = s.RuleId, check = s.Check, result = ResultText(s.Result) }),
        };
    }

    public static string ResultText(ExplainResult result) => result switch
    {
        ExplainResult.Passed => "passed",
        ExplainResult.Denied => "DENIED",
        ExplainResult.HeldForApproval => "HELD",
        ExplainResult.Reserves => "reserves",
        _ => "skipped",
    };

    private static string OutcomeText(PolicyOutcome outcome) => outcome switch
    {
        PolicyOutcome.Allow => "ALLOW",
        PolicyOutcome.Deny => "DENY",
        _ => "REQUIRE APPROVAL",
    };
}
