using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Pins;
using Portcullis.Web.Overview;

namespace Portcullis.Web.Builder;

/// <summary>The tools the builder offers for a server (an array: a component parameter is serialized by its runtime type): those the gateway has pinned, with their risk and argument paths.</summary>
internal static class BuilderTools
{
    /// <summary>Every tool pinned for <paramref name="server"/> (its approved definition, or the one advertised when none is approved yet), riskiest first.</summary>
    public static async Task<BuilderTool[]> ReadAsync(IToolPinStore pins, UpstreamServerConfig server, CancellationToken cancellationToken)
    {
        var tools = new List<(BuilderTool Tool, int Rank)>();
        foreach (var pin in await pins.ListAsync(server.Id, cancellationToken).ConfigureAwait(false))
        {
            // The approved definition, when there is one: a change the server made since awaits approval and must not steer the policy.
            if ((pin.ApprovedDefinition ?? pin.PendingDefinition) is not { } advertised || PinnedToolRisk.Assess(pin.Tool, advertised, server) is not { } risk)
            {
                tools.Add((new BuilderTool(pin.Tool, "", "", [], null), -1));
                continue;
            }

            using var definition = JsonDocument.Parse(advertised);
            var schema = definition.RootElement.TryGetProperty("inputSchema", out var inputSchema) ? inputSchema.GetRawText() : null;
            tools.Add((new BuilderTool(pin.Tool, risk.Category.ToString(), risk.Severity.ToString(), ArgumentPaths.Of(definition.RootElement), schema),
                PinnedToolRisk.Rank(risk)));
        }

        return tools.OrderByDescending(t => t.Rank).ThenBy(t => t.Tool.Name, StringComparer.Ordinal).Select(t => t.Tool).ToArray();
    }
}
