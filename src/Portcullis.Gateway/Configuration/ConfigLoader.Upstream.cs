using System.Collections.Immutable;
using Portcullis.Gateway.Protocol;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading a server's answer limits, circuit breaker, extra methods and instructions setting.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_instructionsKeys = ["replace"];
    private static readonly string[] s_circuitBreakerKeys = ["failure_ratio", "minimum_throughput", "sampling_duration", "break_duration"];

    private sealed partial class Reader
    {
        /// <summary><c>timeout</c>, <c>max_response_bytes</c>, <c>max_response_depth</c>, <c>max_concurrent_calls</c>, the process caps and <c>circuit_breaker</c> of one server.</summary>
        private UpstreamLimits UpstreamLimits(Dictionary<string, SourceProperty> server, string path)
        {
            var limits = new UpstreamLimits();
            if (server.TryGetValue("timeout", out var timeout))
            {
                limits = limits with { Timeout = Duration(timeout.Value, path + "/timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)) ?? limits.Timeout };
            }

            if (server.TryGetValue("max_response_bytes", out var maxBytes))
            {
                limits = limits with { MaxResponseBytes = PositiveNumber(maxBytes.Value, path + "/max_response_bytes", 1024, 1L << 30) ?? limits.MaxResponseBytes };
            }

            if (server.TryGetValue("max_response_depth", out var maxDepth))
            {
                limits = limits with { MaxResponseDepth = (int?)PositiveNumber(maxDepth.Value, path + "/max_response_depth", 8, 1024) ?? limits.MaxResponseDepth };
            }

            if (server.TryGetValue("max_concurrent_calls", out var concurrent))
            {
                limits = limits with { MaxConcurrentCalls = (int?)PositiveNumber(concurrent.Value, path + "/max_concurrent_calls", 1, 100_000) ?? limits.MaxConcurrentCalls };
            }

            if (server.TryGetValue("max_processes", out var processes))
            {
                limits = limits with { MaxProcesses = (int?)PositiveNumber(processes.Value, path + "/max_processes", 1, 10_000) ?? limits.MaxProcesses };
            }

            if (server.TryGetValue("max_processes_per_grant", out var perGrant))
            {
                limits = limits with { MaxProcessesPerGrant = (int?)PositiveNumber(perGrant.Value, path + "/max_processes_per_grant", 1, 10_000) ?? limits.MaxProcessesPerGrant };
            }

            if (server.TryGetValue("circuit_breaker", out var breaker))
            {
                limits = limits with { CircuitBreaker = CircuitBreaker(breaker.Value, path + "/circuit_breaker") };
            }

            return limits;
        }

        /// <summary>Methods a server may exchange beyond the protocol's; a case variant of a protocol method is refused.</summary>
        private ImmutableArray<string> AllowMethods(SourceNode node, string path)
        {
            var methods = StringArray(node, path);
            for (var i = 0; i < node.Items.Count; i++)
            {
                if (node.Items[i] is not { Kind: SourceNodeKind.String, Text: { } method } item)
                {
                    continue;
                }

                if (McpMethods.CaseVariantOf(method) is { } known)
                {
                    Error(JsonPointer.Append(path, i), item, $"'{method}' differs from the protocol's '{known}' only by case; such a method is always refused.");
                }
                else if (method.Length == 0)
                {
                    Error(JsonPointer.Append(path, i), item, "A method name cannot be empty.");
                }
            }

            return methods;
        }

        /// <summary><c>"keep"</c>, <c>"drop"</c> or <c>{"replace": "text"}</c>.</summary>
        private UpstreamInstructions Instructions(SourceNode node, string path)
        {
            if (node.Kind == SourceNodeKind.String)
            {
                switch (node.Text)
                {
                    case "keep":
                        return UpstreamInstructions.Keep;
                    case "drop":
                        return UpstreamInstructions.Drop;
                }
            }
            else if (node.Kind == SourceNodeKind.Object)
            {
                var keys = Keys(node, path, s_instructionsKeys);
                if (keys.TryGetValue("replace", out var text) && text.Value.Kind == SourceNodeKind.String)
                {
                    return new UpstreamInstructions(InstructionsMode.Replace, text.Value.Text);
                }

                Error(path + "/replace", text?.Value ?? node, "Expected the replacement text as a string.");
                return UpstreamInstructions.Keep;
            }

            Error(path, node, "'instructions' is \"keep\", \"drop\" or {\"replace\": \"text\"}.");
            return UpstreamInstructions.Keep;
        }

        private CircuitBreakerSettings? CircuitBreaker(SourceNode node, string path)
        {
            var settings = new CircuitBreakerSettings();
            if (node.Kind == SourceNodeKind.Boolean)
            {
                return node.BooleanValue ? settings : null;
            }

            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "'circuit_breaker' is false, true or {\"failure_ratio\": 0.5, \"minimum_throughput\": 10, \"sampling_duration\": \"30s\", \"break_duration\": \"15s\"}.");
                return settings;
            }

            var keys = Keys(node, path, s_circuitBreakerKeys);
            if (keys.TryGetValue("failure_ratio", out var ratio))
            {
                settings = settings with { FailureRatio = FailureRatio(ratio.Value, path + "/failure_ratio") ?? settings.FailureRatio };
            }

            if (keys.TryGetValue("minimum_throughput", out var throughput))
            {
                settings = settings with { MinimumThroughput = (int?)PositiveNumber(throughput.Value, path + "/minimum_throughput", 2, 100_000) ?? settings.MinimumThroughput };
            }

            if (keys.TryGetValue("sampling_duration", out var sampling))
            {
                settings = settings with
                {
                    SamplingDuration = Duration(sampling.Value, path + "/sampling_duration", TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1)) ?? settings.SamplingDuration,
                };
            }

            if (keys.TryGetValue("break_duration", out var breakDuration))
            {
                settings = settings with
                {
                    BreakDuration = Duration(breakDuration.Value, path + "/break_duration", TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1)) ?? settings.BreakDuration,
                };
            }

            return settings;
        }

        private double? FailureRatio(SourceNode node, string path)
        {
            if (node.Kind == SourceNodeKind.Number
                && double.TryParse(node.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value is > 0 and <= 1)
            {
                return value;
            }

            Error(path, node, "Expected a number above 0 and at most 1, e.g. 0.5.");
            return null;
        }
    }
}
