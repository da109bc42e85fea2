using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Pins;
using Portcullis.Web.Overview;

namespace Portcullis.Web.Builder;

/// <summary>The tools the builder offers for a server (an array: a component parameter is serialized by its runtime type): those the gateway has pinned, with their risk and argument paths.</summary>
internal static class BuilderTools
{
    /// <summary>Every tool pinned for <paramref name="server"/> (the definition it advertises now), riskiest first.</summary>
    public static async Task<BuilderTool[]> ReadAsync(IToolPinStore pins, UpstreamServerConfig server, CancellationToken cancellationToken)
    {
        var tools = new List<(BuilderTool Tool, int Rank)>();
        foreach (var pin in await pins.ListAsync(server.Id, cancellationToken).ConfigureAwait(false))
        {
            if ((pin.PendingDefinition ?? pin.ApprovedDefinition) is not { } advertised || PinnedToolRisk.Assess(pin, server) is not { } risk)
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
