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
using Portcullis.Gateway.State;
using Portcullis.Gateway.Telemetry;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Hosting;

/// <summary>Registers the gateway's services.</summary>
public static class PortcullisServiceCollectionExtensions
{
    /// <summary>Adds the gateway for a validated configuration and its opened stores (disposed with the container).</summary>
    public static IServiceCollection AddPortcullis(this IServiceCollection services, GatewayConfig config, GatewayState state)
    {
        services.AddSingleton(config);
        services.AddSingleton(_ => state);
        services.TryAddTimeProvider();
        services.AddMetrics();
        services.AddSingleton<GatewayTelemetry>();
        services.AddSingleton(sp => new GrantRegistry(config.Grants, sp.GetRequiredService<TimeProvider>(), state.Grants));
        services.AddSingleton(sp => new SessionRegistry(state.Sessions, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SessionRegistry>>()));
        services.AddSingleton(sp => new PolicyRegistry(config.Servers, state.Policies, state.Changes, sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolicyRegistry>>(), config.OnInvalidPolicyFile, PinnedToolNames.From(state.Pins)));
        // Resolving the state first makes the container dispose it after the audit log, whose last records go to it.
        services.AddSingleton(sp => AuditSinks.OpenLog(config, sp.GetRequiredService<GatewayState>(), "gateway", sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<GatewayTelemetry>().Recorded));
        services.AddSingleton(sp => new ApprovalService(state.Approvals, state.Changes, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ApprovalService>>())
        {
            Waited = sp.GetRequiredService<GatewayTelemetry>().ApprovalWaited,
        });
        services.AddSingleton(sp => new ApprovalWebhookSender(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApprovalWebhookSender>>()));
        services.AddSingleton(sp => new ToolPins(state.Pins, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ToolPins>>()));
        services.AddSingleton(sp => new ToolCatalog(state.Changes, sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<ILogger<ToolCatalog>>()));
        services.AddSingleton(sp => ToolCallGate.Create(config, state.Counters, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<ApprovalService>(),
            sp.GetRequiredService<ApprovalWebhookSender>(), sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<ToolCatalog>(),
            sp.GetRequiredService<RefusalRecorder>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new UpstreamGuards(config.Servers, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RefusalRecorder(sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<ILogger<RefusalRecorder>>()));
        services.AddSingleton<McpProxyHandler>();
        services.AddSingleton(_ => new AdminAuthenticator(config.Admins));
        services.AddSingleton(sp => new AdminApi(config, sp.GetRequiredService<AdminAuthenticator>(), state.Audit, sp.GetRequiredService<ApprovalService>(),
            sp.GetRequiredService<ToolPins>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<IdleSessionSweeper>();
        services.AddSingleton(sp => new AuditRetention(config, state.Audit, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditRetention>>()));
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        services.AddHostedService(sp => new PolicySync(sp.GetRequiredService<PolicyRegistry>(), state.Changes, sp.GetRequiredService<ILogger<PolicySync>>()));
        services.AddSingleton(sp => new UpstreamClients(config.Servers, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new ReadinessProbe(config, state, sp.GetRequiredService<UpstreamClients>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReadinessProbe>>()));
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
