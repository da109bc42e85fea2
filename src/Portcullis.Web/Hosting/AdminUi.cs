using Portcullis.Gateway.Hosting;

namespace Portcullis.Web.Hosting;

/// <summary>The admin web UI, served by the gateway at <c>/admin</c> when admins are configured.</summary>
public static class AdminUi
{
    /// <summary>The module to pass to <see cref="GatewayApp.BuildAsync(Gateway.Configuration.GatewayConfig, IReadOnlyList{IGatewayModule}, Action{Microsoft.Extensions.Logging.ILoggingBuilder}?, CancellationToken)"/>.</summary>
    public static IGatewayModule Module { get; } = new AdminUiModule();
}
