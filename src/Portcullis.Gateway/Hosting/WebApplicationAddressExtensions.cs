using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Portcullis.Gateway.Hosting;

/// <summary>Where a started web application actually listens (port 0 becomes a real port only at start).</summary>
internal static class WebApplicationAddressExtensions
{
    /// <summary>The first address the started application listens on, without a trailing slash.</summary>
    public static string ListeningAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }
}
