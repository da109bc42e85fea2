using System.Collections.Immutable;
using System.Text.Json;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>audit</c> settings.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_auditKeys = ["sinks", "jsonl_max_bytes", "retention_days", "checkpoint_key", "checkpoint_every", "spill_dir"];

    private sealed partial class Reader
    {
        /// <summary><c>{"sinks": ["store", "jsonl:DIR"], "retention_days", "checkpoint_key", "checkpoint_every", "jsonl_max_bytes", "spill_dir"}</c>.</summary>
        public AuditConfig Audit(JsonElement element, string baseDirectory)
        {
            var audit = new AuditConfig { SpillDirectory = Path.Combine(baseDirectory, "audit-spill") };
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error("/audit", "'audit' is an object: {\"sinks\": [\"store\", \"jsonl:audit-logs\"], \"retention_days\": 90, \"checkpoint_key\": \"env:AUDIT_KEY\"}.");
                return audit;
            }

            CheckKeys(element, "/audit", s_auditKeys);
            if (element.TryGetProperty("sinks", out var sinks))
            {
                var toStore = false;
                var directories = ImmutableArray.CreateBuilder<string>();
                var sinkTexts = StringArray(sinks, "/audit/sinks");
                for (var i = 0; i < sinkTexts.Length; i++)
                {
                    if (sinkTexts[i] == "store")
                    {
                        toStore = true;
                    }
                    else if (sinkTexts[i].StartsWith("jsonl:", StringComparison.Ordinal) && sinkTexts[i].Length > "jsonl:".Length)
                    {
                        directories.Add(Path.GetFullPath(Path.Combine(baseDirectory, sinkTexts[i]["jsonl:".Length..])));
                    }
                    else
                    {
                        Error($"/audit/sinks/{i}", $"'{sinkTexts[i]}' is not an audit sink; use \"store\" or \"jsonl:DIRECTORY\".");
                    }
                }

                if (sinks.ValueKind == JsonValueKind.Array && sinkTexts.Length == 0)
                {
                    Error("/audit/sinks", "Name at least one sink: every decision must be recorded somewhere.");
                }

                audit = audit with { ToStore = toStore, JsonlDirectories = directories.ToImmutable() };
            }

            if (element.TryGetProperty("jsonl_max_bytes", out var maxBytes))
            {
                audit = audit with { JsonlMaxBytes = PositiveNumber(maxBytes, "/audit/jsonl_max_bytes", 4096, long.MaxValue) ?? audit.JsonlMaxBytes };
            }

            if (element.TryGetProperty("retention_days", out var retention))
            {
                audit = audit with { RetentionDays = (int?)PositiveNumber(retention, "/audit/retention_days", 1, 36500) };
            }

            if (element.TryGetProperty("checkpoint_every", out var every))
            {
                audit = audit with { CheckpointEvery = (int?)PositiveNumber(every, "/audit/checkpoint_every", 1, 1_000_000) ?? audit.CheckpointEvery };
            }

            var unsetBefore = unsetSecrets.Count;
            if (element.TryGetProperty("checkpoint_key", out var key) && Secret(key, "/audit/checkpoint_key") is { } keyText)
            {
                if (keyText.Length < 32)
                {
                    Error("/audit/checkpoint_key", "The checkpoint key is shorter than 32 characters; use a long random value, normally \"env:NAME\".");
                }

                audit = audit with { CheckpointKey = keyText };
            }

            if (unsetSecrets.Count != unsetBefore)
            {
                audit = audit with { UnsetCheckpointKey = unsetSecrets[^1] };
            }

            if (element.TryGetProperty("spill_dir", out var spill) && String(spill, "/audit/spill_dir") is { Length: > 0 } spillText)
            {
                audit = audit with { SpillDirectory = Path.GetFullPath(Path.Combine(baseDirectory, spillText)) };
            }

            return audit;
        }

        public long? PositiveNumber(JsonElement element, string path, long minimum, long maximum)
        {
            if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value) && value >= minimum && value <= maximum)
            {
                return value;
            }

            Error(path, $"Expected a whole number from {minimum} to {maximum}.");
            return null;
        }
    }
}
