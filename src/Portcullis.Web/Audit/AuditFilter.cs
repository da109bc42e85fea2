using System.Globalization;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Audit;
using Portcullis.Storage.Audit;

namespace Portcullis.Web.Audit;

/// <summary>
/// The Audit page's filters as its query string carries them (those of <c>portcullis audit query</c>,
/// plus <c>until</c> and <c>skip</c> for paging): the page and its downloads read them the same way.
/// </summary>
internal sealed record AuditFilter
{
    public string? Since { get; init; }

    public string? Grant { get; init; }

    public string? Server { get; init; }

    public string? Tool { get; init; }

    public string? Decision { get; init; }

    public string? Kind { get; init; }

    /// <summary>Records before this time: the page after one that ended there.</summary>
    public string? Until { get; init; }

    /// <summary>
    /// How many of the newest records before <see cref="Until"/> the pages before already showed:
    /// records that share the millisecond a page ended in, which the next page starts with again.
    /// </summary>
    public string? Skip { get; init; }

    /// <summary>The most records a page may skip (a page and what it skipped are read together).</summary>
    public const int MaxSkip = 10_000;

    /// <summary>The filters of a request's query string; blank values count as unset.</summary>
    public static AuditFilter From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new AuditFilter
        {
            Since = Blank(query["since"]),
            Grant = Blank(query["grant"]),
            Server = Blank(query["server"]),
            Tool = Blank(query["tool"]),
            Decision = Blank(query["decision"]),
            Kind = Blank(query["kind"]),
            Until = Blank(query["until"]),
            Skip = Blank(query["skip"]),
        };
    }

    /// <summary>The store query these filters make (<c>since</c> relative to <paramref name="now"/>), or the problem naming the filter that is not valid.</summary>
    public (AuditQuery? Query, string? Problem) ToQuery(DateTimeOffset now, int limit)
    {
        var query = new AuditQuery { Grant = Grant, Server = Server, Tool = Tool, Decision = Decision, Kind = Kind, Limit = limit };
        if (Since is { } since)
        {
            if (AuditTime.ParseSince(since, now) is not { } from)
            {
                return (null, AuditTime.SinceProblem("Since", since));
            }

            query = query with { Since = from };
        }

        if (Until is { } until)
        {
            if (!DateTimeOffset.TryParse(until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var before))
            {
                return (null, $"Until: '{until}' is not a time such as 2026-11-25T12:00:00Z.");
            }

            query = query with { Until = before };
        }

        if (Skip is { } skip && SkipCount() is null)
        {
            return (null, $"Skip: '{skip}' is not a whole number from 0 to {MaxSkip}.");
        }

        return (query, null);
    }

    /// <summary>The number of records to skip (0 when unset), or null when <see cref="Skip"/> is not one.</summary>
    public int? SkipCount() =>
        Skip is null ? 0
        : int.TryParse(Skip, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= MaxSkip ? count
        : null;

    /// <summary>
    /// The filters that are set, with <paramref name="changes"/> in place of theirs (a null value drops
    /// one), as a query string starting with '?' (empty when nothing is set).
    /// </summary>
    public string QueryString(params (string Name, string? Value)[] changes)
    {
        var parameters = Parameters().Where(p => changes.All(c => c.Name != p.Name)).Concat(changes);
        var set = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? "" : "?" + string.Join("&", set);
    }

    /// <summary>The set filters for an audit record, e.g. <c>kind=call tool=x</c>, or <c>none</c>.</summary>
    public string Describe()
    {
        var set = Parameters().Where(p => p.Value is not null).Select(p => $"{p.Name}={p.Value}").ToList();
        return set.Count == 0 ? "none" : string.Join(" ", set);
    }

    private (string Name, string? Value)[] Parameters() =>
        [("since", Since), ("grant", Grant), ("server", Server), ("tool", Tool), ("decision", Decision), ("kind", Kind), ("until", Until), ("skip", Skip)];

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
