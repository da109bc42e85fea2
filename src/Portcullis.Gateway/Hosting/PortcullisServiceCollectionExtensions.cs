using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Admin;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Proxy;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Diagnostics;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage;

namespace Portcullis.Gateway.Hosting;

/// <summary>Registers the gateway's services.</summary>
internal static class PortcullisServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway with its HTTP front for a validated configuration and its opened stores
    /// (disposed with the container). The stores come from the application, which knows the backends.
    /// </summary>
    public static IServiceCollection AddPortcullis(this IServiceCollection services, GatewayConfig config, StoreSet stores)
    {
        services.AddPortcullisCore(config, stores, "gateway");
        services.AddSingleton<McpProxyHandler>();
        services.AddSingleton(_ => new AdminAuthenticator(config.Admins));
        services.AddSingleton(sp => new AdminApi(config, sp.GetRequiredService<AdminAuthenticator>(), stores.Audit, sp.GetRequiredService<ApprovalService>(),
            sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<IdleSessionSweeper>();
        services.AddSingleton(sp => new AuditRetention(config, stores.Audit, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditRetention>>()));
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        services.AddSingleton(sp => new ReadinessProbe(config, stores, sp.GetRequiredService<UpstreamClients>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReadinessProbe>>()));
        return services;
    }

    /// <summary>
    /// Adds what every front shares: grants, sessions, the policies in force and their sync, the
    /// audit log (its records name <paramref name="role"/> as their writer), approvals, pins, the
    /// call gate, the upstream clients and their guards.
    /// </summary>
    public static IServiceCollection AddPortcullisCore(this IServiceCollection services, GatewayConfig config, StoreSet stores, string role)
    {
        services.AddSingleton(config);
        services.AddSingleton(_ => stores);
        services.TryAddTimeProvider();
        services.AddMetrics();
        services.AddSingleton<GatewayTelemetry>();
        services.AddSingleton(sp => new GrantRegistry(config.Grants, sp.GetRequiredService<TimeProvider>(), stores.Grants));
        services.AddSingleton(sp => new SessionRegistry(stores.Sessions, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SessionRegistry>>()));
        services.AddSingleton(sp => new PolicyRegistry(config.Servers, stores.Policies, stores.Changes, sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolicyRegistry>>(), config.OnInvalidPolicyFile, PinnedToolNames.From(stores.Pins)));
        // Resolving the stores first makes the container dispose it after the audit log, whose last records go to it.
        services.AddSingleton(sp => AuditSinks.OpenLog(config, sp.GetRequiredService<StoreSet>(), role, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<GatewayTelemetry>().Recorded));
        services.AddSingleton(sp => new ApprovalService(stores.Approvals, stores.Changes, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ApprovalService>>())
        {
            Waited = sp.GetRequiredService<GatewayTelemetry>().ApprovalWaited,
        });
        services.AddSingleton(sp => new ApprovalWebhookSender(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApprovalWebhookSender>>()));
        services.AddSingleton(sp => new ToolPins(stores.Pins, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ToolPins>>()));
        services.AddSingleton(sp => new ToolCatalog(stores.Changes, sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<ILogger<ToolCatalog>>()));
        services.AddSingleton(sp => ToolCallGate.Create(config, stores.Counters, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<ApprovalService>(),
            sp.GetRequiredService<ApprovalWebhookSender>(), sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<ToolCatalog>(),
            sp.GetRequiredService<RefusalRecorder>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new UpstreamGuards(config.Servers, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RefusalRecorder(sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<ILogger<RefusalRecorder>>()));
        services.AddHostedService(sp => new PolicySync(sp.GetRequiredService<PolicyRegistry>(), stores.Changes, sp.GetRequiredService<ILogger<PolicySync>>()));
        services.AddSingleton(sp => new UpstreamClients(config.Servers, sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
#pragma warning disable RS0030 // Composition root: the system clock unless the host registered another TimeProvider.
            services.AddSingleton(TimeProvider.System);
#pragma warning restore RS0030
        }
    }
}
