namespace Portcullis.Web.Overview;

/// <summary>One server on the overview page.</summary>
/// <param name="Id">The server id.</param>
/// <param name="Problem">Why it cannot be reached now, or null when it can.</param>
/// <param name="Calls">Tool calls recorded in the last hour.</param>
/// <param name="Denials">Of those, the ones denied.</param>
/// <param name="CountsCapped">Whether the counts reached <see cref="OverviewReader.MaxCounted"/> and may be higher.</param>
/// <param name="Tools">The tools the gateway has seen the server list, by risk; null when the pin store cannot be read.</param>
internal sealed record ServerSummary(string Id, string? Problem, int Calls, int Denials, bool CountsCapped, ToolRiskSummary? Tools);
