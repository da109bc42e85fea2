using System.Collections.Immutable;
using Portcullis.Policy.Risk;

namespace Portcullis.Web.Overview;

/// <summary>A server's tools as the gateway has seen them listed: how many, how many per risk category, and how many are quarantined.</summary>
/// <param name="Count">Tools pinned for the server.</param>
/// <param name="ByCategory">Tools per category, riskiest first; categories with none are left out.</param>
/// <param name="Quarantined">Tools changed since they were approved, or not yet approved.</param>
internal sealed record ToolRiskSummary(int Count, ImmutableArray<(RiskCategory Category, int Count)> ByCategory, int Quarantined)
{
    /// <summary>"Execute 1 · Read 2", riskiest first.</summary>
    public string Categories => string.Join(" · ", ByCategory.Select(c => $"{c.Category} {c.Count}"));
}
