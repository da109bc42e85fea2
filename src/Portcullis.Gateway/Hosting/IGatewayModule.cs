using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Hosting;

/// <summary>
/// A part served by the gateway on its own listener beside <c>/mcp</c> and <c>/admin/api</c>
/// (the admin web UI), kept in its own assembly so the gateway does not depend on it.
/// </summary>
internal interface IGatewayModule
{
    /// <summary>Registers the module's services; the gateway's own are registered first.</summary>
    void AddServices(IServiceCollection services, GatewayConfig config);

    /// <summary>Adds the module's middleware and endpoints, before the gateway maps its own.</summary>
    void Map(WebApplication app);
}
