using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy.Risk;
using Portcullis.Storage.Pins;

namespace Portcullis.Web.Overview;

/// <summary>The risk of a tool the gateway has pinned, as the classifier sees the definition the server advertises now.</summary>
internal static class PinnedToolRisk
{
    /// <summary>
    /// The assessment of <paramref name="pin"/>'s advertised definition (the pending one when it
    /// changed) in <paramref name="server"/>'s context, with the operator's override; null when no
    /// definition is stored.
    /// </summary>
    public static RiskAssessment? Assess(ToolPin pin, UpstreamServerConfig server)
    {
        ArgumentNullException.ThrowIfNull(pin);
        ArgumentNullException.ThrowIfNull(server);
        return (pin.PendingDefinition ?? pin.ApprovedDefinition) is { } advertised ? Assess(pin.Tool, advertised, server) : null;
    }

    /// <summary>The assessment of the definition <paramref name="definitionJson"/> of <paramref name="tool"/> in <paramref name="server"/>'s context, with the operator's override.</summary>
    public static RiskAssessment? Assess(string tool, string definitionJson, UpstreamServerConfig server)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var definition = JsonDocument.Parse(definitionJson);
        var context = new ServerContext(Name: null, Title: null, Instructions: null, Description: server.Description);
        return RiskClassifier.Classify(context, definition.RootElement, server.RiskOverrides.TryGetValue(tool, out var operatorOverride) ? operatorOverride : null);
    }

    /// <summary>An order for listing tools riskiest first: by category, then severity.</summary>
    public static int Rank(RiskAssessment assessment) => (int)assessment.Category * 10 + (int)assessment.Severity;

    /// <summary>The description of <paramref name="pin"/>'s advertised definition, as the server wrote it; null when it has none.</summary>
    public static string? DescriptionOf(ToolPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        if ((pin.PendingDefinition ?? pin.ApprovedDefinition) is not { } advertised)
        {
            return null;
        }

        using var definition = JsonDocument.Parse(advertised);
        return definition.RootElement.ValueKind == JsonValueKind.Object && definition.RootElement.TryGetProperty("description", out var description)
            && description.ValueKind == JsonValueKind.String
            ? description.GetString()
            : null;
    }
}
