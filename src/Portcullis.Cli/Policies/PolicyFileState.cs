using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Policies;

namespace Portcullis.Cli.Policies;

/// <summary>
/// How a server's policy file stands against its stored versions: a gateway imports the file only
/// when its text changes, so after <c>policy save</c> or <c>restore</c> the version in force and the
/// file can differ, and an operator must be able to see which is which.
/// </summary>
internal sealed record PolicyFileState(string? Path, PolicyVersion? Match, bool Unreadable, IReadOnlyList<ConfigError> Problems)
{
    /// <summary>Reads the server's policy file (if it has one) and finds the newest version with the same text.</summary>
    public static async Task<PolicyFileState> ReadAsync(UpstreamServerConfig server, IReadOnlyList<PolicyVersion> versions, CancellationToken cancellationToken)
    {
        if (server.PolicyPath is not { } path)
        {
            return new PolicyFileState(null, null, Unreadable: false, []);
        }

        try
        {
            var text = await File.ReadAllTextAsync(path, cancellationToken);
            return new PolicyFileState(path, versions.FirstOrDefault(v => v.Text == text), Unreadable: false, server.PolicyProblems);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PolicyFileState(path, null, Unreadable: true, server.PolicyProblems);
        }
    }

    /// <summary>A sentence on the file when it is not simply the version in force; null when it is.</summary>
    public string? Explanation(PolicyVersion? inForce)
    {
        if (Path is null || (Match is not null && Match == inForce))
        {
            return null;
        }

        if (Unreadable)
        {
            return $"The policy file {Path} cannot be read; the version in force keeps serving.";
        }

        if (Problems.Count > 0)
        {
            return $"The policy file {Path} is invalid ({Problems.Count} error(s); see `portcullis policy check {Path}`): gateways keep serving "
                + (inForce is null ? "nothing for this server until it is fixed." : $"version {inForce.Version} and import the file once it is valid.");
        }

        return Match is null
            ? $"The policy file {Path} matches no stored version: a gateway imports it as a new version when it starts or sees the file change."
            : $"Version {inForce!.Version} is in force, not the policy file {Path} (which matches version {Match.Version}): the file takes over again only when its text changes.";
    }
}
