using Portcullis.Gateway.Hosting;

namespace Portcullis.Web.Hosting;

/// <summary>The admin web UI, served by the gateway at <c>/admin</c> when admins are configured.</summary>
internal static class AdminUi
{
    /// <summary>The module to pass to <see cref="GatewayApp.BuildAsync(Gateway.Configuration.GatewayConfig, Gateway.State.StoreOpener, IReadOnlyList{IGatewayModule}, Action{Microsoft.Extensions.Logging.ILoggingBuilder}?, CancellationToken)"/>.</summary>
    public static IGatewayModule Module { get; } = new AdminUiModule(AdminUiModule.SignInAttemptsPerMinute);

    /// <summary>The admin UI allowing <paramref name="attemptsPerMinute"/> sign-in attempts per client address and minute (the default is 10).</summary>
    public static IGatewayModule WithSignInLimit(int attemptsPerMinute) =>
        attemptsPerMinute >= 1 ? new AdminUiModule(attemptsPerMinute) : throw new ArgumentOutOfRangeException(nameof(attemptsPerMinute), "At least one attempt a minute.");
}
