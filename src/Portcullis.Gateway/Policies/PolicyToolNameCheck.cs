using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Policy.Validation;
using Portcullis.Storage;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// Logs, once per version in force, the rules and hides of a server's policy that name no tool
/// the server is known to list (with the closest name): valid, but almost always a typo, and a
/// hide that matches nothing leaves visible the tool it meant to hide. Nothing is logged while
/// the server's tools are unknown; a failure to learn them only skips the check.
/// </summary>
/// <param name="knownTools">The tool names a server is known to list; none when nothing was seen yet.</param>
internal sealed class PolicyToolNameCheck(Func<string, CancellationToken, ValueTask<IReadOnlyCollection<string>>> knownTools, ILogger logger)
{
    private readonly ConcurrentDictionary<string, int> _checkedVersions = new(StringComparer.Ordinal);

    /// <summary>Checks <paramref name="served"/>, the policy in force for <paramref name="serverId"/>, unless its version was checked already.</summary>
    public async Task CheckAsync(string serverId, ServedPolicy served, CancellationToken cancellationToken)
    {
        if (_checkedVersions.TryGetValue(serverId, out var checkedVersion) && checkedVersion == served.Version)
        {
            return;
        }

        IReadOnlyCollection<string> tools;
        try
        {
            tools = await knownTools(serverId, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return;
        }

        if (tools.Count == 0)
        {
            return;
        }

        _checkedVersions[serverId] = served.Version;
        foreach (var warning in ToolNameWarnings.Check(served.Policy.Document, tools))
        {
            Log.PolicyNamesUnknownTool(logger, serverId, served.Version, warning.Path, warning.Message);
        }
    }
}
