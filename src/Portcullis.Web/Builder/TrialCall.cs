using System.Text.Json;
using Portcullis.Policy.Evaluation;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Validation;

namespace Portcullis.Web.Builder;

/// <summary>
/// The builder's "try a call": one call decided by a draft's compiled policy with the explain trace,
/// as <c>portcullis policy explain</c> decides it. Nothing is reserved, recorded or forwarded.
/// </summary>
internal static class TrialCall
{
    /// <summary>The grant a trial call runs under.</summary>
    public const string GrantName = "admin-ui-trial";

    /// <summary>Decides the call, or says what is wrong with the input.</summary>
    /// <param name="inputSchema">The tool's input schema as the server advertised it, for <c>validate_args</c>; null when unknown.</param>
    public static (PolicyExplanation? Explanation, string? Problem) Explain(CompiledPolicy policy, string serverId, string tool, string arguments, string labels,
        string? inputSchema, DateTimeOffset now)
    {
        if (tool.Trim().Length == 0)
        {
            return (null, "Tool: enter the name of the tool to call.");
        }

        JsonElement args;
        try
        {
            using var document = JsonDocument.Parse(arguments.Trim().Length == 0 ? "{}" : arguments);
            args = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return (null, $"Arguments: not valid JSON: {e.Message}");
        }

        if (args.ValueKind != JsonValueKind.Object)
        {
            return (null, "Arguments: must be a JSON object, e.g. {\"language\": \"python\"}.");
        }

        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in labels.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return (null, $"Grant labels: '{line}' is not key=value.");
            }

            pairs[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        var call = new ToolCall(serverId, tool.Trim(), args, new PolicyGrant(GrantName, pairs), "admin-ui-trial-session", now)
        {
            // A tool the gateway has not seen listed has no schema: the trial says so, as a call would.
            InputSchema = !policy.ValidatesArguments(tool.Trim())
                ? null
                : inputSchema is null
                    ? ServerToolSchema.Unavailable($"the gateway has not seen the server list a tool named '{tool.Trim()}'")
                    : ToolDefinitions.Compile(tool.Trim(), inputSchema),
        };
        return (policy.Explain(call), null);
    }
}
