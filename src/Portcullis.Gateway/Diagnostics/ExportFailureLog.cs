using System.Diagnostics.Tracing;
using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway.Diagnostics;

/// <summary>
/// Turns the OpenTelemetry exporters' own failure events (a collector that is down, refuses or
/// times out) into one plain warning in the gateway's log, at most once a minute: the SDK reports
/// them only on its EventSource, where an operator would never look, and drops the data.
/// </summary>
internal sealed class ExportFailureLog : EventListener
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private long _nextTicks;

    public ExportFailureLog(ILogger<ExportFailureLog> logger, TimeProvider timeProvider)
    {
        // EventListener's constructor enables the sources that already exist before these are set.
        _logger = logger;
        _timeProvider = timeProvider;
        foreach (var source in EventSource.GetSources())
        {
            OnEventSourceCreated(source);
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name.StartsWith("OpenTelemetry-Exporter", StringComparison.Ordinal) && _logger is not null)
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (_logger is null || eventData.Level > EventLevel.Warning)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextTicks);
        if (now < next || Interlocked.CompareExchange(ref _nextTicks, now + s_quiet.Ticks, next) != next)
        {
            return;
        }

        var message = eventData.Message is { } format && eventData.Payload is { } payload
            ? SafeFormat(format, payload)
            : eventData.EventName ?? "unknown failure";
        Log.TelemetryExportFailed(_logger, eventData.EventSource.Name, message);
    }

    private static string SafeFormat(string format, IReadOnlyCollection<object?> payload)
    {
        try
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, [.. payload]);
        }
        catch (FormatException)
        {
            return format;
        }
    }
}
