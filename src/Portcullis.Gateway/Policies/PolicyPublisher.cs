using System.Globalization;
using Portcullis.Gateway.Audit;
using Portcullis.Policy;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// Validates a policy and saves it as a server's next version, records who did it in the audit
/// log, and announces it on the change feed so every instance applies it. The gateway imports its
/// policy files through it; the CLI saves and restores versions through it.
/// </summary>
internal sealed class PolicyPublisher
{
    /// <summary>The change-feed topic on which saved versions are announced as <c>serverId</c>.</summary>
    public const string ChangeTopic = "policies";

    private readonly IPolicyStore _store;
    private readonly IChangeFeed _changes;
    private readonly AuditLog? _audit;

    /// <summary>Creates a publisher that saves to <paramref name="store"/>, audits to <paramref name="audit"/> and announces on <paramref name="changes"/> (the audit log may be absent).</summary>
    public PolicyPublisher(IPolicyStore store, IChangeFeed changes, AuditLog? audit)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _changes = changes;
        _audit = audit;
    }

    /// <summary>
    /// Validates <paramref name="policy"/> and saves it as the server's next version on behalf of
    /// <paramref name="actor"/>. When it is invalid, nothing is saved and the errors are returned.
    /// </summary>
    public Task<PolicySaveResult> SaveAsync(NewPolicyVersion policy, string actor, CancellationToken cancellationToken = default) =>
        SaveAsync(policy, actor, parsed: null, cancellationToken);

    /// <summary>
    /// Saves <paramref name="policy"/> only when its text differs from the newest version saved from
    /// the same source: a file becomes a new version when it changes, not each time it is read.
    /// Null when it is unchanged.
    /// </summary>
    /// <param name="parsed">The result of parsing <paramref name="policy"/>'s text already, so it is not parsed again; null to parse it here.</param>
    internal async Task<PolicySaveResult?> ImportAsync(NewPolicyVersion policy, string actor, PolicyParseResult? parsed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var imported = await _store.LatestAsync(policy.ServerId, policy.Source, cancellationToken).ConfigureAwait(false);
        return imported?.Text == policy.Text ? null : await SaveAsync(policy, actor, parsed, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="SaveAsync(NewPolicyVersion, string, CancellationToken)"/>
    /// <param name="parsed">The result of parsing <paramref name="policy"/>'s text already, so it is not parsed again; null to parse it here.</param>
    internal async Task<PolicySaveResult> SaveAsync(NewPolicyVersion policy, string actor, PolicyParseResult? parsed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var result = parsed ?? PolicyParser.Parse(policy.Text, PolicyFormats.Parse(policy.Format));
        if (!result.Succeeded)
        {
            return new PolicySaveResult(null, null, result.Errors);
        }

        var saved = await _store.SaveAsync(policy, cancellationToken).ConfigureAwait(false);
        // Saved: from here on the caller going away must not keep the version from being recorded and announced.
        if (_audit is not null)
        {
            await _audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = actor,
                Action = policy.Source == "restore" ? "policy.restored" : "policy.saved",
                Target = "server:" + policy.ServerId,
                Before = saved.Version > 1 ? (saved.Version - 1).ToString(CultureInfo.InvariantCulture) : null,
                After = saved.Version.ToString(CultureInfo.InvariantCulture),
                Reason = $"{policy.Source}: {policy.Comment}",
            }).ConfigureAwait(false);
        }

        try
        {
            await _changes.PublishAsync(ChangeTopic, policy.ServerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // Instances that miss the message find the version at their next poll.
        }

        return new PolicySaveResult(saved, result.Policy, []);
    }
}
