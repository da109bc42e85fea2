using System.Globalization;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// One audit record as a CSV line (RFC 4180), with the header naming every column: the format of
/// <c>portcullis audit export --format csv</c> and of the admin UI's CSV download.
/// </summary>
internal static class AuditCsv
{
    private static readonly string[] s_columns =
    [
        "time", "chain", "seq", "kind", "decision", "grant", "server", "session", "method", "tool", "rule_id", "reason", "policy_version",
        "upstream_status", "upstream_us", "total_us", "args", "actor", "action", "target", "before", "after", "request_id", "prev_hash", "hash",
    ];

    /// <summary>The first line: the column names.</summary>
    public static string Header { get; } = string.Join(',', s_columns);

    /// <summary><paramref name="record"/> as one line, without its line ending.</summary>
    public static string Line(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var r = record;
        string?[] values =
        [
            AuditCanonicalForm.FormatTime(r.Time), r.Chain, Number(r.Seq), r.Kind, r.Decision, r.Grant, r.Server, r.Session, r.Method, r.Tool, r.RuleId, r.Reason,
            Number(r.PolicyVersion), Number(r.UpstreamStatus), Number(r.UpstreamMicros), Number(r.TotalMicros), r.Arguments, r.Actor, r.Action, r.Target,
            r.Before, r.After, r.RequestId, r.PrevHash, r.Hash,
        ];
        return string.Join(',', values.Select(Cell));
    }

    /// <summary>
    /// RFC 4180 quoting. Tool names, arguments and reasons come from agents and upstreams, so a cell
    /// starting with a formula character (= + - @, or the tab and carriage return some spreadsheets
    /// skip before one) that is not a plain number is prefixed with ' and a spreadsheet shows it as
    /// text instead of running it.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !double.TryParse(value, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);
}
