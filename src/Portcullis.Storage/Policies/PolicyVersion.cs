namespace Portcullis.Storage.Policies;

/// <summary>One saved version of a server's policy. Versions are immutable; a change is a new version.</summary>
public sealed record PolicyVersion
{
    /// <summary>The server the policy is for.</summary>
    public required string ServerId { get; init; }

    /// <summary>The version number: 1 for the first, each save adds one.</summary>
    public required int Version { get; init; }

    /// <summary>The policy document as written.</summary>
    public required string Text { get; init; }

    /// <summary>The document's format: <c>json</c> or <c>yaml</c>.</summary>
    public required string Format { get; init; }

    /// <summary>Where the version came from: <c>file</c>, <c>config</c>, <c>cli</c> or <c>restore</c>.</summary>
    public required string Source { get; init; }

    /// <summary>Who or what saved it, and any detail (a file path, "restored from version 3").</summary>
    public required string Comment { get; init; }

    /// <summary>When it was saved.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
