using System.Collections.Immutable;
using Portcullis.Policy.Parsing;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading what the operator tells the risk classifier about one server's tools: per-tool overrides.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_riskOverrideKeys = ["category", "severity", "reason"];

    private sealed partial class Reader
    {
        /// <summary><c>{"TOOL": {"category": "Execute", "severity": "High", "reason": "…"}}</c>; tool names are exact; category and severity names may be in any case.</summary>
        private ImmutableDictionary<string, RiskOverride> RiskOverrides(SourceNode node, string path)
        {
            var overrides = ImmutableDictionary.CreateBuilder<string, RiskOverride>(StringComparer.Ordinal);
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "'risk_overrides' maps tool names to {\"category\": \"Execute\", \"severity\": \"High\", \"reason\": \"…\"}.");
                return overrides.ToImmutable();
            }

            foreach (var tool in _read.UniqueProperties(node, path))
            {
                var toolPath = JsonPointer.Append(path, tool.Name);
                if (tool.Name.Length == 0)
                {
                    Error(toolPath, tool.Value, "The tool name is empty.");
                    continue;
                }

                if (RiskOverride(tool.Value, toolPath) is { } parsed)
                {
                    overrides[tool.Name] = parsed;
                }
            }

            return overrides.ToImmutable();
        }

        private RiskOverride? RiskOverride(SourceNode node, string path)
        {
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "An override is {\"category\": \"Execute\", \"severity\": \"High\", \"reason\": \"…\"}.");
                return null;
            }

            var before = _read.ErrorCount;
            var keys = Keys(node, path, s_riskOverrideKeys);
            var category = RiskName<RiskCategory>(node, keys, "category", path);
            var severity = RiskName<RiskSeverity>(node, keys, "severity", path);
            var reason = keys.TryGetValue("reason", out var reasonNode) && String(reasonNode.Value, path + "/reason") is { Length: > 0 } text ? text : null;
            return _read.ErrorCount == before ? new RiskOverride(category!.Value, severity!.Value, reason) : null;
        }

        /// <summary>A category or severity by name, in any case; a missing or unknown name is an error listing the names.</summary>
        private T? RiskName<T>(SourceNode node, Dictionary<string, SourceProperty> keys, string key, string path)
            where T : struct, Enum
        {
            var names = Enum.GetNames<T>();
            if (!keys.TryGetValue(key, out var value))
            {
                Error(path, node, $"The override has no '{key}': one of {string.Join(", ", names)}.");
                return null;
            }

            if (String(value.Value, $"{path}/{key}") is not { } text)
            {
                return null;
            }

            if (!text.All(char.IsAsciiLetter) || !Enum.TryParse<T>(text, ignoreCase: true, out var parsed))
            {
                var meant = Suggestions.Closest(text, names);
                Error($"{path}/{key}", value.Value, $"Unknown {key} '{text}'. Expected one of: {string.Join(", ", names)}.",
                    meant is null ? null : $"Did you mean '{meant}'?");
                return null;
            }

            return parsed;
        }
    }
}
