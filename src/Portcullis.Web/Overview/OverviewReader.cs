using System.Collections.Immutable;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Pins;
using Portcullis.Policy.Risk;

namespace Portcullis.Web.Overview;

/// <summary>What the overview shows: every server's reachability, tools by risk and last hour of calls, and the pending approvals.</summary>
internal sealed class OverviewReader(GatewayConfig config, StoreSet state, ReadinessProbe readiness, TimeProvider timeProvider)
{
    /// <summary>Records counted per server and decision; past it the page says "at least".</summary>
    public const int MaxCounted = 10_000;

    /// <summary>One summary per configured server, in configuration order.</summary>
    public async Task<IReadOnlyList<ServerSummary>> ServersAsync(CancellationToken cancellationToken)
    {
        var since = timeProvider.GetUtcNow().AddHours(-1);
        var problems = readiness.UpstreamProblemsAsync(cancellationToken);
        var counts = config.Servers.Select(async server =>
        {
            var calls = await state.Audit.QueryAsync(new AuditQuery { Since = since, Server = server.Id, Kind = AuditKinds.Call, Limit = MaxCounted }, cancellationToken)
                .ConfigureAwait(false);
            return (Calls: calls.Count, Denials: calls.Count(r => r.Decision == AuditDecisions.Deny), Tools: await ToolsAsync(server, cancellationToken).ConfigureAwait(false));
        }).ToList();
        var reach = await problems.ConfigureAwait(false);
        var summaries = new List<ServerSummary>();
        for (var i = 0; i < config.Servers.Length; i++)
        {
            var (calls, denials, tools) = await counts[i].ConfigureAwait(false);
            summaries.Add(new ServerSummary(config.Servers[i].Id, reach[i], calls, denials, calls >= MaxCounted, tools));
        }

        return summaries;
    }

    /// <summary>The server's pinned tools by risk category; null when the pin store cannot be read.</summary>
    private async Task<ToolRiskSummary?> ToolsAsync(UpstreamServerConfig server, CancellationToken cancellationToken)
    {
        IReadOnlyList<ToolPin> pins;
        try
        {
            pins = await state.Pins.ListAsync(server.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return null;
        }

        var categories = pins.Select(pin => PinnedToolRisk.Assess(pin, server)?.Category).OfType<RiskCategory>()
            .GroupBy(c => c).OrderByDescending(g => g.Key).Select(g => (g.Key, g.Count())).ToImmutableArray();
        return new ToolRiskSummary(pins.Count, categories, pins.Count(p => p.State != ToolPinState.Pinned));
    }

    /// <summary>How many calls wait for a decision.</summary>
    public async Task<int> PendingApprovalsAsync(CancellationToken cancellationToken) =>
        (await state.Approvals.ListAsync(ApprovalStatus.Pending, MaxCounted, cancellationToken).ConfigureAwait(false)).Count;
}
