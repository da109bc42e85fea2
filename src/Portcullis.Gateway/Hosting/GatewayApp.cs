using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.State;
using Portcullis.Gateway.Diagnostics;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Hosting;

/// <summary>Builds the gateway's web application on Kestrel.</summary>
internal static class GatewayApp
{
    /// <summary>
    /// A gateway listening on <see cref="GatewayConfig.Listen"/> (port 0 picks a free one), with the
    /// stores <paramref name="openStores"/> opens for <see cref="GatewayConfig.Store"/> (disposed with
    /// the application) and its policies loaded. Fails with <see cref="Portcullis.Storage.StoreUnavailableException"/>
    /// when a store needed at start-up (SQLite file, PostgreSQL) cannot be opened.
    /// </summary>
    public static Task<WebApplication> BuildAsync(GatewayConfig config, StoreOpener openStores, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default) =>
        BuildAsync(config, openStores, [], logging, cancellationToken);

    /// <summary>As <see cref="BuildAsync(GatewayConfig, StoreOpener, Action{ILoggingBuilder}?, CancellationToken)"/>, also serving <paramref name="modules"/> on the same listener.</summary>
    public static async Task<WebApplication> BuildAsync(GatewayConfig config, StoreOpener openStores, IReadOnlyList<IGatewayModule> modules,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(openStores);
        ArgumentNullException.ThrowIfNull(modules);
        if (config.ProblemsForServing() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"The gateway cannot serve: {string.Join("; ", problems)}");
        }

#pragma warning disable RS0030 // The gateway's composition root: a served gateway runs on the system clock.
        var stores = await openStores(config.Store, SessionRetention(config), TimeProvider.System, cancellationToken).ConfigureAwait(false);
#pragma warning restore RS0030
        // The gateway reads no appsettings.json; watching for it would put a recursive file watcher
        // on the working directory, which wakes on every write to a SQLite store kept there.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        // ASP.NET Core logs four lines per request at Information; every call is in the audit log, so the
        // console keeps its warnings only, unless the operator's configuration (Logging__LogLevel__...) says otherwise.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")] });
        builder.WebHost.UseUrls([config.Listen.GetLeftPart(UriPartial.Authority),
            .. config.Telemetry.Prometheus?.Listen is { } scrape ? [scrape.GetLeftPart(UriPartial.Authority)] : Array.Empty<string>()]);
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

        builder.Services.AddPortcullis(config, stores);
        builder.Services.AddPortcullisTelemetry(config.Telemetry);
        foreach (var module in modules)
        {
            module.AddServices(builder.Services, config);
        }

        var app = builder.Build();
        // Started with the application so exporter failures are logged from the first batch on.
        _ = app.Services.GetService<ExportFailureLog>();
        app.Services.GetRequiredService<GatewayTelemetry>().Observe(
            () => app.Services.GetRequiredService<ApprovalService>().Waiting,
            () => app.Services.GetRequiredService<AuditLog>().Pending,
            () => app.Services.GetRequiredService<AuditLog>().Spilling,
            () => app.Services.GetRequiredService<Sessions.SessionRegistry>().LocalCount);
        try
        {
            var audit = app.Services.GetRequiredService<AuditLog>();
            await audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = "gateway",
                Action = "gateway.started",
                Target = string.Join(",", config.Servers.Select(s => "server:" + s.Id)),
                After = $"store={config.Store}; fail_mode={config.FailMode.ToString().ToLowerInvariant()}",
            }).ConfigureAwait(false);
            await app.Services.GetRequiredService<PolicyRegistry>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        foreach (var module in modules)
        {
            module.Map(app);
        }

        app.MapPortcullisTelemetry(config.Telemetry);
        app.MapPortcullis();
        return app;
    }

    /// <summary>How long a stored session outlives its last use in stores that expire keys by themselves: twice the idle timeout, so the sweep normally ends it first.</summary>
    public static TimeSpan SessionRetention(GatewayConfig config) => (config ?? throw new ArgumentNullException(nameof(config))).SessionIdleTimeout * 2;
}
