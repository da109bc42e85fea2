using System.Text.Json;
using Portcullis.Policy.Evaluation;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Validation;
using Portcullis.Web.Forms;

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

        var problems = new List<string>();
        var pairs = LabelLines.Parse(labels, "Grant labels", problems);
        if (problems.Count > 0)
        {
            return (null, string.Join(" ", problems));
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
