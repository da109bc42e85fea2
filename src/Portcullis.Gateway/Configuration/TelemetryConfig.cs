using System.Collections.Immutable;

namespace Portcullis.Gateway.Configuration;

/// <summary>Metrics and traces: a Prometheus scrape endpoint and an OTLP exporter, both off unless configured.</summary>
internal sealed record TelemetryConfig
{
    /// <summary>The <c>service.name</c> resource attribute of everything exported.</summary>
    public string ServiceName { get; init; } = "portcullis";

    /// <summary>The Prometheus scrape endpoint; null when there is none.</summary>
    public PrometheusConfig? Prometheus { get; init; }

    /// <summary>The OTLP exporter; null when there is none.</summary>
    public OtlpConfig? Otlp { get; init; }

    /// <summary>Whether anything is exported at all.</summary>
    public bool Enabled => Prometheus is not null || Otlp is not null;
}

/// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
internal sealed record PrometheusConfig
{
    /// <summary>A listener of its own for the scrape (which then answers nothing else); null serves it on the gateway's listener.</summary>
    public Uri? Listen { get; init; }
}

/// <summary>Where traces and metrics are pushed over OTLP.</summary>
internal sealed record OtlpConfig
{
    /// <summary>The collector, e.g. <c>http://127.0.0.1:4318</c> (HTTP) or <c>http://127.0.0.1:4317</c> (gRPC).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary><c>http/protobuf</c> (the default) or <c>grpc</c>.</summary>
    public OtlpTransport Transport { get; init; } = OtlpTransport.HttpProtobuf;

    /// <summary>Whether spans are exported.</summary>
    public bool Traces { get; init; } = true;

    /// <summary>Whether metrics are exported.</summary>
    public bool Metrics { get; init; } = true;

    /// <summary>Headers sent with every export (secrets resolved), e.g. a collector's API key.</summary>
    public ImmutableDictionary<string, string> Headers { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>The OTLP transport.</summary>
internal enum OtlpTransport
{
    /// <summary>Protobuf over HTTP: <c>/v1/traces</c> and <c>/v1/metrics</c> under the endpoint.</summary>
    HttpProtobuf,

    /// <summary>gRPC.</summary>
    Grpc,
}
