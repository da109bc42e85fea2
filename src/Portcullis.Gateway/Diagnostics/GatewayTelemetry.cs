using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Portcullis.Gateway.Protocol;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Diagnostics;

/// <summary>
/// The gateway's metrics and spans. Call metrics are taken from the audit records, which every
/// decision produces exactly once, so the counts and the audit log cannot disagree. Names follow
/// the OpenTelemetry MCP semantic conventions (<c>mcp.server.operation.duration</c>,
/// <c>mcp.method.name</c>, <c>gen_ai.tool.name</c>) where they define one; the rest are
/// <c>portcullis.*</c>.
/// </summary>
internal sealed class GatewayTelemetry : IDisposable
{
    /// <summary>The name of the gateway's <see cref="Meter"/> and <see cref="ActivitySource"/>.</summary>
    public const string Name = "Portcullis.Gateway";

    /// <summary>Spans of tool calls; process-wide, as activity sources are.</summary>
    internal static readonly ActivitySource Spans = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Counter<long> _limitDenials;
    private readonly Histogram<double> _approvalWait;

    /// <summary>Creates the instruments on a meter of <paramref name="meters"/>.</summary>
    public GatewayTelemetry(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(Name);
        _calls = _meter.CreateCounter<long>("portcullis.tool_calls", "{call}",
            "Decided tools/call requests, by server, tool and decision (allow, deny, shadow_deny, fail_open_allow).");
        _callDuration = _meter.CreateHistogram<double>("mcp.server.operation.duration", "s",
            "tools/call duration as the gateway saw it, from the request's arrival to the end of its answer (time held for approval included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });
        _upstreamDuration = _meter.CreateHistogram<double>("portcullis.upstream.duration", "s",
            "Time the upstream server took to answer a forwarded tools/call.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });
        _limitDenials = _meter.CreateCounter<long>("portcullis.limit_denials", "{call}", "Calls denied by a limit, by server, tool and rule.");
        _approvalWait = _meter.CreateHistogram<double>("portcullis.approval.wait", "s",
            "How long held calls waited for a decision, by outcome (approved, denied, timed_out, withdrawn).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] });
    }

    private static readonly double[] s_buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>
    /// Reports live values that are read when metrics are collected: held calls, the audit queue
    /// and its spill state, and open sessions.
    /// </summary>
    public void Observe(Func<long> pendingApprovals, Func<long> auditQueue, Func<bool> auditSpilling, Func<long> openSessions)
    {
        _meter.CreateObservableUpDownCounter("portcullis.approvals.pending", pendingApprovals, "{call}", "Calls held on this instance waiting for approval.");
        _meter.CreateObservableUpDownCounter("portcullis.audit.queue", auditQueue, "{record}", "Audit records not yet written (or spilled) by every sink.");
        _meter.CreateObservableGauge("portcullis.audit.spilling", () => auditSpilling() ? 1 : 0, "1", "1 while some audit sink is down and its records wait in a spill file.");
        _meter.CreateObservableUpDownCounter("portcullis.sessions.open", openSessions, "{session}", "MCP sessions this instance serves.");
    }

    /// <summary>
    /// A span for one tools/call, or null when nobody listens. Its parent is the request's own
    /// (which continues the client's <c>traceparent</c> header), or the <c>_meta.traceparent</c>
    /// the MCP conventions carry in the message when there is no ambient one (the stdio front).
    /// </summary>
    internal static Activity? StartToolCall(JsonRpcMessage message, string serverId, string? sessionId)
    {
        if (!Spans.HasListeners())
        {
            return null;
        }

        var tool = ToolNameOf(message.Params);
        ActivityContext parent = default;
        if (Activity.Current is null && TraceParentOf(message.Params) is { } traceParent)
        {
            ActivityContext.TryParse(traceParent, traceState: null, out parent);
        }

        var span = Spans.StartActivity(tool is null ? "tools/call" : "tools/call " + tool, ActivityKind.Server, parent);
        if (span is not null)
        {
            span.SetTag("mcp.method.name", "tools/call");
            span.SetTag("gen_ai.operation.name", "execute_tool");
            span.SetTag("gen_ai.tool.name", tool);
            span.SetTag("portcullis.server", serverId);
            span.SetTag("mcp.session.id", sessionId);
            span.SetTag("jsonrpc.request.id", message.Id.ValueKind == JsonValueKind.Undefined ? null : message.Id.GetRawText());
        }

        return span;
    }

    /// <summary>Counts what an audit record says was decided, and puts the decision on the tool call's span.</summary>
    public void Recorded(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind != AuditKinds.Call || record.Decision is null)
        {
            return;
        }

        var server = new KeyValuePair<string, object?>("portcullis.server", record.Server);
        var tool = new KeyValuePair<string, object?>("gen_ai.tool.name", record.Tool);
        var decision = new KeyValuePair<string, object?>("portcullis.decision", record.Decision);
        _calls.Add(1, server, tool, decision);
        if (record.TotalMicros is { } total)
        {
            _callDuration.Record(total / 1e6, new("mcp.method.name", "tools/call"), tool, server, decision);
        }

        if (record.UpstreamMicros is { } upstream)
        {
            _upstreamDuration.Record(upstream / 1e6, server, tool);
        }

        if (record.Decision != AuditDecisions.Allow && record.RuleId is { } rule && rule.Contains("/limits/", StringComparison.Ordinal))
        {
            _limitDenials.Add(1, server, tool, new("portcullis.rule_id", rule));
        }

        if (Activity.Current is { } span && span.Source == Spans && span.OperationName.StartsWith("tools/call", StringComparison.Ordinal))
        {
            span.SetTag("portcullis.decision", record.Decision);
            span.SetTag("portcullis.rule_id", record.RuleId);
            span.SetTag("portcullis.policy_version", record.PolicyVersion);
            if (record.Decision is not (AuditDecisions.Allow or AuditDecisions.ShadowDeny or AuditDecisions.FailOpenAllow))
            {
                span.SetTag("error.type", "policy_denied");
                span.SetStatus(ActivityStatusCode.Error, record.Reason);
            }
            else if (record.UpstreamStatus is >= 400 || record.Reason?.StartsWith("upstream", StringComparison.Ordinal) == true)
            {
                span.SetTag("error.type", "upstream_failed");
                span.SetStatus(ActivityStatusCode.Error, record.Reason);
            }
        }
    }

    /// <summary>Records how long a held call waited and how it ended.</summary>
    public void ApprovalWaited(TimeSpan wait, string outcome) =>
        _approvalWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("portcullis.outcome", outcome));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static string? ToolNameOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

    private static string? TraceParentOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
        && meta.TryGetProperty("traceparent", out var traceParent) && traceParent.ValueKind == JsonValueKind.String
            ? traceParent.GetString()
            : null;
}
