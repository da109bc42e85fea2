using System.Collections.Immutable;

namespace Portcullis.Policy.Documents;

/// <summary>A parsed, validated policy for one upstream server, as the operator wrote it.</summary>
public sealed record PolicyDocument
{
    /// <summary>The only format version this build understands.</summary>
    public const string CurrentVersion = "1";

    /// <summary>The format version, always <see cref="CurrentVersion"/>.</summary>
    public string Version { get; init; } = CurrentVersion;

    /// <summary>What happens to tools without an entry.</summary>
    public DefaultAction Default { get; init; } = DefaultAction.Deny;

    /// <summary>Enforce or shadow.</summary>
    public PolicyMode Mode { get; init; } = PolicyMode.Enforce;

    /// <summary>How much of a call's arguments the audit log keeps.</summary>
    public AuditArguments AuditArgs { get; init; } = AuditArguments.Keys;

    /// <summary>Tool names or globs removed from <c>tools/list</c> and denied if called anyway.</summary>
    public ImmutableArray<string> Hide { get; init; } = [];

    /// <summary>Rules applied to every call in addition to the tool's own.</summary>
    public ToolRule? AllTools { get; init; }

    /// <summary>Per-tool rules by exact tool name.</summary>
    public ImmutableSortedDictionary<string, ToolRule> Tools { get; init; } =
        ImmutableSortedDictionary<string, ToolRule>.Empty.WithComparers(StringComparer.Ordinal);
}
