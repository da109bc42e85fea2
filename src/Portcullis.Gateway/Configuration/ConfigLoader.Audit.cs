using System.Collections.Immutable;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>audit</c> settings.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_auditKeys = ["sinks", "jsonl_max_bytes", "retention_days", "checkpoint_key", "checkpoint_every", "spill_dir"];

    private sealed partial class Reader
    {
        /// <summary><c>{"sinks": ["store", "jsonl:DIR"], "retention_days", "checkpoint_key", "checkpoint_every", "jsonl_max_bytes", "spill_dir"}</c>.</summary>
        private AuditConfig Audit(SourceNode node)
        {
            var audit = new AuditConfig { SpillDirectory = Path.Combine(baseDirectory, "audit-spill") };
            if (node.Kind != SourceNodeKind.Object)
            {
                Error("/audit", node, "'audit' is an object: {\"sinks\": [\"store\", \"jsonl:audit-logs\"], \"retention_days\": 90, \"checkpoint_key\": \"env:AUDIT_KEY\"}.");
                return audit;
            }

            var keys = Keys(node, "/audit", s_auditKeys);
            if (keys.TryGetValue("sinks", out var sinks))
            {
                audit = Sinks(sinks.Value, audit);
            }

            if (keys.TryGetValue("jsonl_max_bytes", out var maxBytes))
            {
                audit = audit with { JsonlMaxBytes = PositiveNumber(maxBytes.Value, "/audit/jsonl_max_bytes", 4096, long.MaxValue) ?? audit.JsonlMaxBytes };
            }

            if (keys.TryGetValue("retention_days", out var retention))
            {
                audit = audit with { RetentionDays = (int?)PositiveNumber(retention.Value, "/audit/retention_days", 1, 36500) };
            }

            if (keys.TryGetValue("checkpoint_every", out var every))
            {
                audit = audit with { CheckpointEvery = (int?)PositiveNumber(every.Value, "/audit/checkpoint_every", 1, 1_000_000) ?? audit.CheckpointEvery };
            }

            if (keys.TryGetValue("checkpoint_key", out var key))
            {
                audit = CheckpointKey(key.Value, audit);
            }

            if (keys.TryGetValue("spill_dir", out var spill) && String(spill.Value, "/audit/spill_dir") is { Length: > 0 } spillText)
            {
                audit = audit with { SpillDirectory = Path.GetFullPath(Path.Combine(baseDirectory, spillText)) };
            }

            return audit;
        }

        /// <summary><c>"store"</c> and <c>"jsonl:DIRECTORY"</c> (relative to the configuration file); at least one.</summary>
        private AuditConfig Sinks(SourceNode node, AuditConfig audit)
        {
            var toStore = false;
            var directories = ImmutableArray.CreateBuilder<string>();
            var sinks = StringArray(node, "/audit/sinks");
            for (var i = 0; i < node.Items.Count; i++)
            {
                if (node.Items[i] is not { Kind: SourceNodeKind.String, Text: { } sink } item)
                {
                    continue;
                }

                if (sink == "store")
                {
                    toStore = true;
                }
                else if (sink.StartsWith("jsonl:", StringComparison.Ordinal) && sink.Length > "jsonl:".Length)
                {
                    directories.Add(Path.GetFullPath(Path.Combine(baseDirectory, sink["jsonl:".Length..])));
                }
                else
                {
                    Error(JsonPointer.Append("/audit/sinks", i), item, $"'{sink}' is not an audit sink; use \"store\" or \"jsonl:DIRECTORY\".");
                }
            }

            if (node.Kind == SourceNodeKind.Array && sinks.IsEmpty)
            {
                Error("/audit/sinks", node, "Name at least one sink: every decision must be recorded somewhere.");
            }

            return audit with { ToStore = toStore, JsonlDirectories = directories.ToImmutable() };
        }

        /// <summary>The key that signs checkpoints: 32 characters or more, normally from the environment; unset, it stops only what writes audit records.</summary>
        private AuditConfig CheckpointKey(SourceNode node, AuditConfig audit)
        {
            var unsetBefore = _unsetSecrets.Count;
            if (Secret(node, "/audit/checkpoint_key") is { } key)
            {
                if (key.Length < 32)
                {
                    Error("/audit/checkpoint_key", node, "The checkpoint key is shorter than 32 characters; use a long random value, normally \"env:NAME\".");
                }

                return audit with { CheckpointKey = key };
            }

            return _unsetSecrets.Count != unsetBefore ? audit with { UnsetCheckpointKey = _unsetSecrets[^1] } : audit;
        }
    }
}
