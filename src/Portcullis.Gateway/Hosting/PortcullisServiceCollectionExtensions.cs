using Microsoft.Extensions.DependencyInjection;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Storage.Limits;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Proxy;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Hosting;

/// <summary>Registers the gateway's services.</summary>
public static class PortcullisServiceCollectionExtensions
{
    /// <summary>Adds the gateway for a validated configuration.</summary>
    public static IServiceCollection AddPortcullis(this IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new GrantRegistry(config.Grants, sp.GetRequiredService<TimeProvider>(), StateStores.Open(config.Store)));
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ICounterStore>(sp => StateStores.OpenCounters(config.Store, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PolicyRegistry(config.Servers, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PolicyRegistry>>()));
        services.AddSingleton<ToolCallGate>();
        services.AddSingleton<McpProxyHandler>();
        services.AddHostedService<IdleSessionSweeper>();
        services.AddSingleton(sp => new UpstreamClients(config.Servers, sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        return services;
    }
}
