using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the top-level options: <c>listen</c>, <c>allowed_origins</c>, <c>allowed_hosts</c>, <c>session_idle_timeout</c> and <c>max_argument_depth</c>.</summary>
internal static partial class ConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary>A configuration holding the top-level options, the other sections at their defaults.</summary>
        private GatewayConfig Options(Dictionary<string, SourceProperty> keys)
        {
            var listen = new Uri("http://127.0.0.1:8787");
            if (keys.TryGetValue("listen", out var listenNode) && String(listenNode.Value, "/listen") is { } listenText)
            {
                if (Uri.TryCreate(listenText, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
                {
                    listen = parsed;
                }
                else
                {
                    Error("/listen", listenNode.Value, $"'{listenText}' is not an http(s) URL such as http://127.0.0.1:8787.");
                }
            }

            var config = new GatewayConfig { Listen = listen };
            return config with
            {
                AllowedOrigins = keys.TryGetValue("allowed_origins", out var origins) ? StringArray(origins.Value, "/allowed_origins") : [],
                AllowedHosts = keys.TryGetValue("allowed_hosts", out var hosts) ? StringArray(hosts.Value, "/allowed_hosts") : [],
                SessionIdleTimeout = keys.TryGetValue("session_idle_timeout", out var idle)
                    ? Duration(idle.Value, "/session_idle_timeout", TimeSpan.FromSeconds(10), TimeSpan.FromDays(7)) ?? config.SessionIdleTimeout
                    : config.SessionIdleTimeout,
                MaxArgumentDepth = keys.TryGetValue("max_argument_depth", out var depth)
                    ? (int?)PositiveNumber(depth.Value, "/max_argument_depth", 1, GatewayConfig.ArgumentDepthCeiling) ?? config.MaxArgumentDepth
                    : config.MaxArgumentDepth,
            };
        }
    }
}
