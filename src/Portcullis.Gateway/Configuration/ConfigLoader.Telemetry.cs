using System.Collections.Immutable;
using System.Text.Json;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>telemetry</c> settings.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_telemetryKeys = ["service_name", "prometheus", "otlp"];
    private static readonly string[] s_prometheusKeys = ["listen"];
    private static readonly string[] s_otlpKeys = ["endpoint", "protocol", "signals", "headers"];

    private sealed partial class Reader
    {
        /// <summary><c>{"service_name", "prometheus": {"listen"}, "otlp": {"endpoint", "protocol", "signals", "headers"}}</c>.</summary>
        public TelemetryConfig Telemetry(JsonElement element)
        {
            var telemetry = new TelemetryConfig();
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error("/telemetry", "'telemetry' is an object: {\"prometheus\": {}, \"otlp\": {\"endpoint\": \"http://127.0.0.1:4318\"}}.");
                return telemetry;
            }

            CheckKeys(element, "/telemetry", s_telemetryKeys);
            if (element.TryGetProperty("service_name", out var name) && String(name, "/telemetry/service_name") is { } nameText)
            {
                if (nameText.Length == 0)
                {
                    Error("/telemetry/service_name", "The service name is empty.");
                }

                telemetry = telemetry with { ServiceName = nameText };
            }

            if (element.TryGetProperty("prometheus", out var prometheus))
            {
                telemetry = telemetry with { Prometheus = Prometheus(prometheus) };
            }

            if (element.TryGetProperty("otlp", out var otlp))
            {
                telemetry = telemetry with { Otlp = Otlp(otlp) };
            }

            return telemetry;
        }

        private PrometheusConfig? Prometheus(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error("/telemetry/prometheus", "'prometheus' is an object: {} serves /metrics on the gateway's listener, {\"listen\": \"http://127.0.0.1:9464\"} on its own.");
                return null;
            }

            CheckKeys(element, "/telemetry/prometheus", s_prometheusKeys);
            if (!element.TryGetProperty("listen", out var listen))
            {
                return new PrometheusConfig();
            }

            if (HttpUrl(listen, "/telemetry/prometheus/listen", "http://127.0.0.1:9464") is not { } url)
            {
                return null;
            }

            if (url.Port == 0)
            {
                // The scrape listener is told apart from the gateway's by its port.
                Error("/telemetry/prometheus/listen", "The scrape listener needs a port of its own, such as http://127.0.0.1:9464.");
                return null;
            }

            return new PrometheusConfig { Listen = url };
        }

        private OtlpConfig? Otlp(JsonElement element)
        {
            const string path = "/telemetry/otlp";
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "'otlp' is an object: {\"endpoint\": \"http://127.0.0.1:4318\", \"protocol\": \"http/protobuf\"}.");
                return null;
            }

            CheckKeys(element, path, s_otlpKeys);
            Uri? endpoint = null;
            if (!element.TryGetProperty("endpoint", out var endpointElement))
            {
                Error(path, "'otlp' needs the collector's 'endpoint', e.g. \"http://127.0.0.1:4318\".");
            }
            else
            {
                endpoint = HttpUrl(endpointElement, path + "/endpoint", "http://127.0.0.1:4318");
            }

            var transport = OtlpTransport.HttpProtobuf;
            if (element.TryGetProperty("protocol", out var protocol))
            {
                switch (String(protocol, path + "/protocol"))
                {
                    case "http/protobuf":
                        break;
                    case "grpc":
                        transport = OtlpTransport.Grpc;
                        break;
                    case { } other:
                        Error(path + "/protocol", $"'{other}' is not an OTLP protocol; use \"http/protobuf\" or \"grpc\".");
                        break;
                }
            }

            var (traces, metrics) = (true, true);
            if (element.TryGetProperty("signals", out var signalsElement))
            {
                var signals = StringArray(signalsElement, path + "/signals");
                foreach (var (signal, i) in signals.Select((s, i) => (s, i)).Where(p => p.s is not ("traces" or "metrics")))
                {
                    Error($"{path}/signals/{i}", $"'{signal}' is not a signal; use \"traces\" and/or \"metrics\".");
                }

                (traces, metrics) = (signals.Contains("traces"), signals.Contains("metrics"));
                if (signalsElement.ValueKind == JsonValueKind.Array && signals.IsEmpty)
                {
                    Error(path + "/signals", "Name at least one signal, or leave 'otlp' out.");
                }
            }

            var headers = element.TryGetProperty("headers", out var headersElement)
                ? StringMap(headersElement, path + "/headers", "'headers' maps header names to values (secrets as \"env:NAME\").", secrets: true,
                    StringComparer.OrdinalIgnoreCase)
                : ImmutableDictionary<string, string>.Empty;
            foreach (var (name, value) in headers.Where(h => h.Key.Contains(',', StringComparison.Ordinal) || h.Key.Contains('=', StringComparison.Ordinal)
                || h.Value.AsSpan().IndexOfAny('\r', '\n', ',') >= 0))
            {
                Error($"{path}/headers/{name}", "OTLP header names cannot contain ',' or '=', nor values ',' or line breaks.");
            }

            return endpoint is null ? null : new OtlpConfig { Endpoint = endpoint, Transport = transport, Traces = traces, Metrics = metrics, Headers = headers };
        }

        private Uri? HttpUrl(JsonElement element, string path, string example)
        {
            if (String(element, path) is not { } text)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.UserInfo))
            {
                return url;
            }

            Error(path, $"'{text}' is not an http(s) URL without credentials such as {example}.");
            return null;
        }
    }
}
