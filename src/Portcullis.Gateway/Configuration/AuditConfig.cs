using System.Collections.Immutable;

namespace Portcullis.Gateway.Configuration;

/// <summary>Where audit records go and how they are protected and kept.</summary>
internal sealed record AuditConfig
{
    /// <summary>Whether records go to the configured store (SQLite, PostgreSQL, or memory).</summary>
    public bool ToStore { get; init; } = true;

    /// <summary>Directories that receive JSON Lines files, e.g. for a SIEM shipper.</summary>
    public ImmutableArray<string> JsonlDirectories { get; init; } = [];

    /// <summary>Size at which a JSON Lines file is rotated.</summary>
    public long JsonlMaxBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Days records are kept in the store; null keeps them for ever.</summary>
    public int? RetentionDays { get; init; }

    /// <summary>The key that signs checkpoints (HMAC-SHA256); without one checkpoints are unsigned.</summary>
    public string? CheckpointKey { get; init; }

    /// <summary>
    /// Set when the key is configured as <c>env:NAME</c> and the variable is not set here: records
    /// cannot be written (their checkpoints would go unsigned) nor signatures checked.
    /// </summary>
    public ConfigError? UnsetCheckpointKey { get; init; }

    /// <summary>A checkpoint after every this many records (and when the writer stops).</summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Where records wait while a sink is down; null uses a directory beside the SQLite store, or the temp directory.</summary>
    public string? SpillDirectory { get; init; }
}
