using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// The compiled policy in force for each server, read on every call. A version is put in force
/// whole, and only when it is newer than the one serving, so a late or repeated apply never
/// goes back to an older version.
/// </summary>
internal sealed class ServedPolicies(ILogger logger)
{
    private readonly ConcurrentDictionary<string, ServedPolicy> _policies = new(StringComparer.Ordinal);

    /// <summary>The policy now in force for a server, with its version; null when none is loaded.</summary>
    public ServedPolicy? Current(string serverId) => _policies.TryGetValue(serverId, out var served) ? served : null;

    /// <summary>The stored version number of the policy in force for a server (0 when none is loaded).</summary>
    public int VersionOf(string serverId) => _policies.TryGetValue(serverId, out var served) ? served.Version : 0;

    /// <summary>
    /// Puts <paramref name="stored"/> in force unless a newer version already is; false when its
    /// text is invalid (logged; the version in force keeps serving).
    /// </summary>
    /// <param name="compiled">The compiled <paramref name="stored"/> when the caller has it, which saves parsing it again.</param>
    public bool Apply(PolicyVersion stored, CompiledPolicy? compiled = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (compiled is null)
        {
            var result = PolicyParser.Parse(stored.Text, PolicyFormats.Parse(stored.Format));
            if (!result.Succeeded)
            {
                Log.StoredPolicyRejected(logger, stored.ServerId, stored.Version, string.Join(Environment.NewLine, result.Errors));
                return false;
            }

            compiled = result.Policy;
        }

        var applied = new ServedPolicy(compiled, stored.Version);
        var current = _policies.AddOrUpdate(stored.ServerId, applied, (_, old) => old.Version >= applied.Version ? old : applied);
        if (ReferenceEquals(current, applied))
        {
            Log.PolicyApplied(logger, stored.ServerId, stored.Version, stored.Source, stored.Comment);
        }

        return true;
    }
}
