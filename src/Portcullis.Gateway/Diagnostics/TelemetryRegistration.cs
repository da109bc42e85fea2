using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Diagnostics;

/// <summary>Wires the OpenTelemetry SDK to the gateway's meter and spans, as the <c>telemetry</c> configuration says.</summary>
internal static class TelemetryRegistration
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>Adds the exporters the configuration names; nothing when it names none.</summary>
    public static IServiceCollection AddPortcullisTelemetry(this IServiceCollection services, TelemetryConfig telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        if (!telemetry.Enabled)
        {
            return services;
        }

        var version = typeof(TelemetryRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var openTelemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(telemetry.ServiceName, serviceVersion: version));
        openTelemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(GatewayTelemetry.Name);
            if (telemetry.Prometheus is not null)
            {
                metrics.AddPrometheusExporter();
            }

            if (telemetry.Otlp is { Metrics: true } otlp)
            {
                metrics.AddOtlpExporter(exporter => Configure(exporter, otlp, "v1/metrics"));
            }
        });
        if (telemetry.Otlp is not null)
        {
            services.AddSingleton<ExportFailureLog>();
        }

        if (telemetry.Otlp is { Traces: true } otlpTraces)
        {
            openTelemetry.WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.Name)
                // The request's span continues the client's traceparent; probes and scrapes make none.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path))
                // The upstream request's span carries the trace on to the upstream (traceparent).
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(exporter => Configure(exporter, otlpTraces, "v1/traces")));
        }

        return services;
    }

    /// <summary>
    /// Maps the scrape endpoint: on the gateway's listener, or on a listener of its own that then
    /// answers nothing else (and the gateway's listener no scrape).
    /// </summary>
    public static void MapPortcullisTelemetry(this WebApplication app, TelemetryConfig telemetry)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(telemetry);
        if (telemetry.Prometheus is not { } prometheus)
        {
            return;
        }

        if (prometheus.Listen is not { } own)
        {
            app.MapPrometheusScrapingEndpoint(ScrapePath);
            return;
        }

        app.Use(async (context, next) =>
        {
            var onScrapeListener = context.Connection.LocalPort == own.Port;
            if (onScrapeListener != (context.Request.Path == ScrapePath))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapPrometheusScrapingEndpoint(ScrapePath);
    }

    private static bool IsProbeOrScrape(PathString path) => path == ScrapePath || path == "/healthz" || path == "/readyz";

    private static void Configure(OtlpExporterOptions exporter, OtlpConfig otlp, string signalPath)
    {
        exporter.Protocol = otlp.Transport == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        // Over HTTP an endpoint set in code is used as it is: the signal's path is added here, as the OTLP specification adds it to OTEL_EXPORTER_OTLP_ENDPOINT.
        exporter.Endpoint = otlp.Transport == OtlpTransport.Grpc
            ? otlp.Endpoint
            : new Uri(otlp.Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
        if (!otlp.Headers.IsEmpty)
        {
            exporter.Headers = string.Join(",", otlp.Headers.Select(header => $"{header.Key}={header.Value}"));
        }
    }
}
