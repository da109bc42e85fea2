using System.Collections.Immutable;

namespace Portcullis.Policy.Testing;

/// <summary>A file of policy test cases, as read.</summary>
/// <param name="PolicyPath">The <c>policy:</c> key: the policy file, relative to the case file; null when not given.</param>
/// <param name="Cases">The cases, in file order, which is the order they run in.</param>
public sealed record PolicyTestFile(string? PolicyPath, ImmutableArray<PolicyTestCase> Cases)
{
    /// <summary>When a case gives no <c>at</c> and the file none either: a fixed instant (a Wednesday, noon UTC), never the clock, so results repeat.</summary>
    public static readonly DateTimeOffset DefaultTime = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The grant name of a case that names none.</summary>
    public const string DefaultGrant = "test";

    /// <summary>The session id of a case that gives none.</summary>
    public const string DefaultSession = "test-session";

    /// <summary>The server id of a case that gives none.</summary>
    public const string DefaultServer = "test";
}
