namespace Portcullis.Storage.Pins;

/// <summary>
/// What the gateway knows of one tool of one server: the definition an operator (or first use)
/// approved, and the different definition the server advertises now, if any, waiting for review.
/// Definitions are kept in their canonical JSON; hashes are the hex SHA-256 of that text.
/// </summary>
public sealed record ToolPin
{
    /// <summary>The server's id.</summary>
    public required string Server { get; init; }

    /// <summary>The tool's name.</summary>
    public required string Tool { get; init; }

    /// <summary>The hash of the approved definition; null while no definition was ever approved (a first-seen tool under strict pinning).</summary>
    public string? ApprovedHash { get; init; }

    /// <summary>The approved definition, canonical JSON.</summary>
    public string? ApprovedDefinition { get; init; }

    /// <summary>Who approved it: an operator, or <c>first-seen</c> for trust on first use.</summary>
    public string? ApprovedBy { get; init; }

    /// <summary>When it was approved.</summary>
    public DateTimeOffset? ApprovedAt { get; init; }

    /// <summary>The hash of a definition the server advertises that differs from the approved one (or awaits a first approval); null when there is none.</summary>
    public string? PendingHash { get; init; }

    /// <summary>That definition, canonical JSON.</summary>
    public string? PendingDefinition { get; init; }

    /// <summary>When that definition was first seen.</summary>
    public DateTimeOffset? PendingSince { get; init; }

    /// <summary>When the tool was first seen.</summary>
    public required DateTimeOffset FirstSeen { get; init; }

    /// <summary>Where the tool stands.</summary>
    public ToolPinState State => ApprovedHash is null ? ToolPinState.Unapproved : PendingHash is null ? ToolPinState.Pinned : ToolPinState.Changed;
}

/// <summary>Where a pinned tool stands.</summary>
public enum ToolPinState
{
    /// <summary>The server advertises the approved definition.</summary>
    Pinned,

    /// <summary>The server advertises a definition other than the approved one; the tool is quarantined until an operator approves it.</summary>
    Changed,

    /// <summary>No definition was ever approved (strict pinning); the tool is quarantined until an operator approves it.</summary>
    Unapproved,
}
