using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Hosting;

/// <summary>Builds the gateway's web application on Kestrel.</summary>
public static class GatewayApp
{
    /// <summary>A gateway listening on <see cref="GatewayConfig.Listen"/> (port 0 picks a free one).</summary>
    public static WebApplication Build(GatewayConfig config, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(config.Listen.GetLeftPart(UriPartial.Authority));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = config.MaxRequestBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        if (logging is not null)
        {
            logging(builder.Logging);
        }

        builder.Services.AddPortcullis(config);
        var app = builder.Build();
        app.MapPortcullis();
        return app;
    }
}
