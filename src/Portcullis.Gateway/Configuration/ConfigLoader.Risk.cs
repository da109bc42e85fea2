using System.Collections.Immutable;
using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading what the operator tells the risk classifier about one server: its description and per-tool overrides.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_riskOverrideKeys = ["category", "severity", "reason"];

    private sealed partial class Reader
    {
        /// <summary><c>{"TOOL": {"category": "Execute", "severity": "High", "reason": "…"}}</c>; tool names are exact; category and severity names may be in any case.</summary>
        public ImmutableDictionary<string, RiskOverride> RiskOverrides(JsonElement element, string path)
        {
            var overrides = ImmutableDictionary.CreateBuilder<string, RiskOverride>(StringComparer.Ordinal);
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "'risk_overrides' maps tool names to {\"category\": \"Execute\", \"severity\": \"High\", \"reason\": \"…\"}.");
                return overrides.ToImmutable();
            }

            foreach (var tool in element.EnumerateObject())
            {
                var toolPath = $"{path}/{JsonPointerToken(tool.Name)}";
                if (tool.Name.Length == 0)
                {
                    Error(toolPath, "The tool name is empty.");
                    continue;
                }

                if (RiskOverride(tool.Value, toolPath) is { } parsed)
                {
                    overrides[tool.Name] = parsed;
                }
            }

            return overrides.ToImmutable();
        }

        private RiskOverride? RiskOverride(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, "An override is {\"category\": \"Execute\", \"severity\": \"High\", \"reason\": \"…\"}.");
                return null;
            }

            var before = errors.Count;
            CheckKeys(element, path, s_riskOverrideKeys);
            var category = RiskName<RiskCategory>(element, "category", path);
            var severity = RiskName<RiskSeverity>(element, "severity", path);
            string? reason = null;
            if (element.TryGetProperty("reason", out var reasonElement) && String(reasonElement, path + "/reason") is { } reasonText)
            {
                reason = reasonText.Length > 0 ? reasonText : null;
            }

            return errors.Count == before ? new RiskOverride(category!.Value, severity!.Value, reason) : null;
        }

        /// <summary>A category or severity by name, in any case; a missing or unknown name is an error listing the names.</summary>
        private T? RiskName<T>(JsonElement element, string key, string path)
            where T : struct, Enum
        {
            var names = string.Join(", ", Enum.GetNames<T>());
            if (!element.TryGetProperty(key, out var value))
            {
                Error(path, $"The override has no '{key}': one of {names}.");
                return null;
            }

            if (String(value, $"{path}/{key}") is not { } text)
            {
                return null;
            }

            if (!text.All(char.IsAsciiLetter) || !Enum.TryParse<T>(text, ignoreCase: true, out var parsed))
            {
                Error($"{path}/{key}", $"Unknown {key} '{text}'. Expected one of: {names}.");
                return null;
            }

            return parsed;
        }
    }

    /// <summary>A name as one JSON Pointer token (RFC 6901): <c>~</c> and <c>/</c> escaped.</summary>
    private static string JsonPointerToken(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
