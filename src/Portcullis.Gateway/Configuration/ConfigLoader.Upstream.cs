using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portcullis.Gateway.Proxy;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading a server's answer limits, circuit breaker, extra methods and instructions setting.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_instructionsKeys = ["replace"];
    private static readonly string[] s_circuitBreakerKeys = ["failure_ratio", "minimum_throughput", "sampling_duration", "break_duration"];

    [GeneratedRegex(@"^([0-9]+)(ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    private sealed partial class Reader
    {
        /// <summary><c>timeout</c>, <c>max_response_bytes</c>, <c>max_response_depth</c>, <c>max_concurrent_calls</c> and <c>circuit_breaker</c> of one server.</summary>
        public UpstreamLimits UpstreamLimits(JsonElement server, string path)
        {
            var limits = new UpstreamLimits();
            if (server.TryGetProperty("timeout", out var timeout))
            {
                limits = limits with { Timeout = Duration(timeout, path + "/timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)) ?? limits.Timeout };
            }

            if (server.TryGetProperty("max_response_bytes", out var maxBytes))
            {
                limits = limits with { MaxResponseBytes = PositiveNumber(maxBytes, path + "/max_response_bytes", 1024, 1L << 30) ?? limits.MaxResponseBytes };
            }

            if (server.TryGetProperty("max_response_depth", out var maxDepth))
            {
                limits = limits with { MaxResponseDepth = (int?)PositiveNumber(maxDepth, path + "/max_response_depth", 8, 1024) ?? limits.MaxResponseDepth };
            }

            if (server.TryGetProperty("max_concurrent_calls", out var concurrent))
            {
                limits = limits with { MaxConcurrentCalls = (int?)PositiveNumber(concurrent, path + "/max_concurrent_calls", 1, 100_000) ?? limits.MaxConcurrentCalls };
            }

            if (server.TryGetProperty("max_processes", out var processes))
            {
                limits = limits with { MaxProcesses = (int?)PositiveNumber(processes, path + "/max_processes", 1, 10_000) ?? limits.MaxProcesses };
            }

            if (server.TryGetProperty("max_processes_per_grant", out var perGrant))
            {
                limits = limits with { MaxProcessesPerGrant = (int?)PositiveNumber(perGrant, path + "/max_processes_per_grant", 1, 10_000) ?? limits.MaxProcessesPerGrant };
            }

            if (server.TryGetProperty("circuit_breaker", out var breaker))
            {
                limits = limits with { CircuitBreaker = CircuitBreaker(breaker, path + "/circuit_breaker") };
            }

            return limits;
        }

        /// <summary>Methods a server may exchange beyond the protocol's; a case variant of a protocol method is refused.</summary>
        public ImmutableArray<string> AllowMethods(JsonElement element, string path)
        {
            var methods = StringArray(element, path);
            for (var i = 0; i < methods.Length; i++)
            {
                if (McpMethods.CaseVariantOf(methods[i]) is { } known)
                {
                    Error($"{path}/{i}", $"'{methods[i]}' differs from the protocol's '{known}' only by case; such a method is always refused.");
                }
                else if (methods[i].Length == 0)
                {
                    Error($"{path}/{i}", "A method name cannot be empty.");
                }
            }

            return methods;
        }

        /// <summary><c>"keep"</c>, <c>"drop"</c> or <c>{"replace": "text"}</c>.</summary>
        public UpstreamInstructions Instructions(JsonElement element, string path)
        {
            const string Expected = "'instructions' is \"keep\", \"drop\" or {\"replace\": \"text\"}.";
            if (element.ValueKind == JsonValueKind.String)
            {
                switch (element.GetString())
                {
                    case "keep":
                        return UpstreamInstructions.Keep;
                    case "drop":
                        return UpstreamInstructions.Drop;
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                CheckKeys(element, path, s_instructionsKeys);
                if (element.TryGetProperty("replace", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return new UpstreamInstructions(InstructionsMode.Replace, text.GetString());
                }

                Error(path + "/replace", "Expected the replacement text as a string.");
                return UpstreamInstructions.Keep;
            }

            Error(path, Expected);
            return UpstreamInstructions.Keep;
        }

        private CircuitBreakerSettings? CircuitBreaker(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.False)
            {
                return null;
            }

            var settings = new CircuitBreakerSettings();
            if (element.ValueKind == JsonValueKind.True)
            {
                return settings;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "'circuit_breaker' is false, true or {\"failure_ratio\": 0.5, \"minimum_throughput\": 10, \"sampling_duration\": \"30s\", \"break_duration\": \"15s\"}.");
                return settings;
            }

            CheckKeys(element, path, s_circuitBreakerKeys);
            if (element.TryGetProperty("failure_ratio", out var ratio))
            {
                if (ratio.ValueKind == JsonValueKind.Number && ratio.TryGetDouble(out var value) && value is > 0 and <= 1)
                {
                    settings = settings with { FailureRatio = value };
                }
                else
                {
                    Error(path + "/failure_ratio", "Expected a number above 0 and at most 1, e.g. 0.5.");
                }
            }

            if (element.TryGetProperty("minimum_throughput", out var throughput))
            {
                settings = settings with { MinimumThroughput = (int?)PositiveNumber(throughput, path + "/minimum_throughput", 2, 100_000) ?? settings.MinimumThroughput };
            }

            if (element.TryGetProperty("sampling_duration", out var sampling))
            {
                settings = settings with
                {
                    SamplingDuration = Duration(sampling, path + "/sampling_duration", TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1)) ?? settings.SamplingDuration,
                };
            }

            if (element.TryGetProperty("break_duration", out var breakDuration))
            {
                settings = settings with
                {
                    BreakDuration = Duration(breakDuration, path + "/break_duration", TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1)) ?? settings.BreakDuration,
                };
            }

            return settings;
        }

        /// <summary>A duration written <c>"500ms"</c>, <c>"30s"</c>, <c>"5m"</c>, <c>"1h"</c>, or a number of seconds.</summary>
        public TimeSpan? Duration(JsonElement element, string path, TimeSpan minimum, TimeSpan maximum)
        {
            TimeSpan? value = null;
            if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var seconds) && seconds > 0 && seconds < 1_000_000)
            {
                value = TimeSpan.FromSeconds(seconds);
            }
            else if (element.ValueKind == JsonValueKind.String && DurationPattern().Match(element.GetString()!) is { Success: true } match
                && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount < 1_000_000_000)
            {
                value = match.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    _ => TimeSpan.FromHours(amount),
                };
            }

            if (value is null)
            {
                Error(path, "Expected a duration such as \"500ms\", \"30s\", \"5m\" or \"1h\", or a number of seconds.");
                return null;
            }

            if (value < minimum || value > maximum)
            {
                Error(path, $"Expected a duration from {minimum.TotalSeconds:0.###} s to {maximum.TotalSeconds:0.###} s.");
                return null;
            }

            return value;
        }
    }
}
