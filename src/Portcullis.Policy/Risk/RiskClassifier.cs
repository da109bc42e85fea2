using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Portcullis.Policy.Risk;

/// <summary>
/// Classifies an MCP tool by what it can do (read, write, execute, destroy, move money) and how
/// much harm a call can do, from its definition and its server's context alone. Pure and
/// deterministic: the same tool and context always give the same assessment.
/// </summary>
public static class RiskClassifier
{
    // A scan classifies every tool of a server with the same context; what the context says is
    // read once per context object. Keyed by reference, so the table never keeps a context alive.
    private static readonly ConditionalWeakTable<ServerContext, ServerProfile> s_profiles = [];

    /// <summary>Classifies one tool exactly as tools/list returns it.</summary>
    /// <param name="server">What is known about the tool's server.</param>
    /// <param name="tool">The tool's definition: name, title, description, inputSchema, outputSchema, annotations.</param>
    /// <param name="operatorOverride">The operator's own verdict, which replaces the classifier's and is shown as such.</param>
    /// <exception cref="ArgumentException">The tool is not an object with a non-empty string <c>name</c>.</exception>
    public static RiskAssessment Classify(ServerContext server, JsonElement tool, RiskOverride? operatorOverride = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var definition = ToolDefinition.Parse(tool);
        var evidence = RiskEvidence.Collect(definition, s_profiles.GetValue(server, ServerProfile.Of));
        var verdict = RiskVerdict.Decide(evidence);

        // Strongest first; ties keep the order found, so the list is the same on every run.
        var signals = evidence.Signals.Concat(verdict.IgnoredHints).OrderByDescending(s => s.Weight).ToArray();
        var classified = new RiskAssessment(definition.Name, verdict.Category, verdict.Severity, verdict.Confidence,
            signals, RiskRationale.Of(evidence, verdict, signals), Classified: null);
        if (operatorOverride is null)
        {
            return classified;
        }

        return new RiskAssessment(definition.Name, operatorOverride.Category, operatorOverride.Severity, Confidence: 1,
            signals, RiskRationale.Overridden(operatorOverride, classified), classified);
    }
}
