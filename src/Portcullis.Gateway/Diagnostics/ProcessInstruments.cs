using System.Diagnostics.Metrics;

namespace Portcullis.Gateway.Diagnostics;

/// <summary>
/// The counters that parts without a container (stores, the refusal recorder, limit reservation)
/// add to; one process-wide meter with the gateway's name, exported with the instruments of
/// <see cref="GatewayTelemetry"/>.
/// </summary>
internal static class ProcessInstruments
{
    private static readonly Meter s_meter = new(GatewayTelemetry.Name);

    /// <summary>Operations a store or audit sink could not answer, by store.</summary>
    public static readonly Counter<long> StoreErrors = s_meter.CreateCounter<long>("portcullis.store.errors", "{error}",
        "Operations a store or audit sink could not answer, by store.");

    /// <summary>Requests refused before any decision, by kind.</summary>
    public static readonly Counter<long> Refusals = s_meter.CreateCounter<long>("portcullis.refusals", "{request}",
        "Requests refused before any decision (authentication, origin, malformed input, unknown session…), by kind; all of them, including those the audit log's ration leaves out.");

    /// <summary>Limited calls let through uncounted while the counter store was down (fail_mode: open).</summary>
    public static readonly Counter<long> FailOpenAllowed = s_meter.CreateCounter<long>("portcullis.limits.fail_open_allowed", "{call}",
        "Calls let through without reserving their limit because the counter store was unavailable and fail_mode is open.");
}
