using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>Opens the audit log a configuration describes.</summary>
internal static class AuditSinks
{
    /// <summary>An audit log for <paramref name="role"/> writing to the configured sinks.</summary>
    public static AuditLog OpenLog(GatewayConfig config, StoreSet state, string role, TimeProvider timeProvider, ILoggerFactory loggerFactory,
        Action<AuditRecord>? recorded = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var sinks = new List<IAuditSink>();
        if (config.Audit.ToStore)
        {
            sinks.Add(state.Audit);
        }

        sinks.AddRange(config.Audit.JsonlDirectories.Select(directory => new JsonlAuditSink(directory, config.Audit.JsonlMaxBytes, timeProvider)));
        return new AuditLog(sinks, config.Audit, SpillDirectory(config), role, timeProvider, loggerFactory.CreateLogger<AuditLog>()) { Recorded = recorded };
    }

    /// <summary>Where records wait while a sink is down: as configured, else beside the SQLite store, else in the temp directory.</summary>
    public static string SpillDirectory(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Audit.SpillDirectory
            ?? (config.Store.SqlitePath is { } sqlite ? Path.Combine(Path.GetDirectoryName(sqlite)!, "audit-spill") : Path.Combine(Path.GetTempPath(), "portcullis-audit-spill"));
    }
}
