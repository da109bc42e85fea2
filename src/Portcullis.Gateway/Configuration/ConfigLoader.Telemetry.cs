using System.Collections.Immutable;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>telemetry</c> settings.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_telemetryKeys = ["service_name", "prometheus", "otlp"];
    private static readonly string[] s_prometheusKeys = ["listen"];
    private static readonly string[] s_otlpKeys = ["endpoint", "protocol", "signals", "headers"];

    private sealed partial class Reader
    {
        /// <summary><c>{"service_name", "prometheus": {"listen"}, "otlp": {"endpoint", "protocol", "signals", "headers"}}</c>; <paramref name="listen"/> is the gateway's own listener.</summary>
        private TelemetryConfig Telemetry(SourceNode node, Uri listen)
        {
            var telemetry = new TelemetryConfig();
            if (node.Kind != SourceNodeKind.Object)
            {
                Error("/telemetry", node, "'telemetry' is an object: {\"prometheus\": {}, \"otlp\": {\"endpoint\": \"http://127.0.0.1:4318\"}}.");
                return telemetry;
            }

            var keys = Keys(node, "/telemetry", s_telemetryKeys);
            if (keys.TryGetValue("service_name", out var name) && String(name.Value, "/telemetry/service_name") is { } nameText)
            {
                if (nameText.Length == 0)
                {
                    Error("/telemetry/service_name", name.Value, "The service name is empty.");
                }

                telemetry = telemetry with { ServiceName = nameText };
            }

            if (keys.TryGetValue("prometheus", out var prometheus))
            {
                telemetry = telemetry with { Prometheus = Prometheus(prometheus.Value, listen) };
            }

            if (keys.TryGetValue("otlp", out var otlp))
            {
                telemetry = telemetry with { Otlp = Otlp(otlp.Value) };
            }

            return telemetry;
        }

        private PrometheusConfig? Prometheus(SourceNode node, Uri gatewayListen)
        {
            const string path = "/telemetry/prometheus";
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "'prometheus' is an object: {} serves /metrics on the gateway's listener, {\"listen\": \"http://127.0.0.1:9464\"} on its own.");
                return null;
            }

            var keys = Keys(node, path, s_prometheusKeys);
            if (!keys.TryGetValue("listen", out var listen))
            {
                return new PrometheusConfig();
            }

            if (HttpUrl(listen.Value, path + "/listen", "http://127.0.0.1:9464") is not { } url)
            {
                return null;
            }

            if (url.Port == 0)
            {
                // The scrape listener is told apart from the gateway's by its port.
                Error(path + "/listen", listen.Value, "The scrape listener needs a port of its own, such as http://127.0.0.1:9464.");
                return null;
            }

            if (url.Port == gatewayListen.Port)
            {
                Error(path + "/listen", listen.Value,
                    $"Port {url.Port} is the gateway's own ('listen'); give the scrape listener another, or leave 'listen' out to scrape the gateway's.");
            }

            return new PrometheusConfig { Listen = url };
        }

        private OtlpConfig? Otlp(SourceNode node)
        {
            const string path = "/telemetry/otlp";
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "'otlp' is an object: {\"endpoint\": \"http://127.0.0.1:4318\", \"protocol\": \"http/protobuf\"}.");
                return null;
            }

            var keys = Keys(node, path, s_otlpKeys);
            Uri? endpoint = null;
            if (!keys.TryGetValue("endpoint", out var endpointNode))
            {
                Error(path, node, "'otlp' needs the collector's 'endpoint', e.g. \"http://127.0.0.1:4318\".");
            }
            else
            {
                endpoint = HttpUrl(endpointNode.Value, path + "/endpoint", "http://127.0.0.1:4318");
            }

            var transport = keys.TryGetValue("protocol", out var protocol) ? OtlpProtocol(protocol.Value, path + "/protocol") : OtlpTransport.HttpProtobuf;
            var (traces, metrics) = keys.TryGetValue("signals", out var signals) ? Signals(signals.Value, path + "/signals") : (true, true);
            var headers = keys.TryGetValue("headers", out var headersNode)
                ? StringMap(headersNode.Value, path + "/headers", "'headers' maps header names to values (secrets as \"env:NAME\").", secrets: true,
                    StringComparer.OrdinalIgnoreCase,
                    (name, value) => name.Contains(',', StringComparison.Ordinal) || name.Contains('=', StringComparison.Ordinal) || value.AsSpan().IndexOfAny('\r', '\n', ',') >= 0
                        ? "OTLP header names cannot contain ',' or '=', nor values ',' or line breaks."
                        : null)
                : ImmutableDictionary<string, string>.Empty;
            return endpoint is null ? null : new OtlpConfig { Endpoint = endpoint, Transport = transport, Traces = traces, Metrics = metrics, Headers = headers };
        }

        private OtlpTransport OtlpProtocol(SourceNode node, string path)
        {
            switch (String(node, path))
            {
                case "grpc":
                    return OtlpTransport.Grpc;
                case "http/protobuf" or null:
                    return OtlpTransport.HttpProtobuf;
                case var other:
                    Error(path, node, $"'{other}' is not an OTLP protocol; use \"http/protobuf\" or \"grpc\".");
                    return OtlpTransport.HttpProtobuf;
            }
        }

        /// <summary><c>["traces", "metrics"]</c>, either or both.</summary>
        private (bool Traces, bool Metrics) Signals(SourceNode node, string path)
        {
            var signals = StringArray(node, path);
            for (var i = 0; i < node.Items.Count; i++)
            {
                if (node.Items[i] is { Kind: SourceNodeKind.String, Text: { } signal } item && signal is not ("traces" or "metrics"))
                {
                    Error(JsonPointer.Append(path, i), item, $"'{signal}' is not a signal; use \"traces\" and/or \"metrics\".");
                }
            }

            if (node.Kind == SourceNodeKind.Array && signals.IsEmpty)
            {
                Error(path, node, "Name at least one signal, or leave 'otlp' out.");
            }

            return (signals.Contains("traces"), signals.Contains("metrics"));
        }
    }
}
