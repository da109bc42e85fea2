using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.State;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Pins;

namespace Portcullis.Gateway.Pinning;

/// <summary>How an approval of a tool's definition ended.</summary>
internal enum PinApprovalResult
{
    /// <summary>The definition awaiting review is now the approved one.</summary>
    Approved,

    /// <summary>The server has no pin for this tool: it was never seen.</summary>
    NotFound,

    /// <summary>Nothing awaits review: the tool's definition is the approved one.</summary>
    NothingPending,
}

/// <summary>
/// Checks tool definitions against their pins in the store: pins a tool seen for the first time
/// (approved under <c>tofu</c>, awaiting review under <c>strict</c>), quarantines a tool whose
/// definition differs from the approved one and records that change once for every instance
/// sharing the store (the instance whose conditional update records the new definition writes the
/// <c>tool.changed</c> audit record), and approves a reviewed definition. A store that cannot be
/// asked quarantines the tool. Definitions already found approved are remembered here, so a call
/// of a pinned tool costs no store round trip, until the server's tools change.
/// </summary>
internal sealed class ToolPins(IToolPinStore store, AuditLog audit, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>The rule id of a denial for a quarantined tool.</summary>
    public const string RuleId = "(quarantined)";

    /// <summary>Who approves a definition under trust on first use.</summary>
    public const string FirstSeen = "first-seen";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _approved = new(StringComparer.Ordinal);
    private readonly StoreOutage _outage = new("pin store", logger);

    /// <summary>The store the pins are kept in.</summary>
    public IToolPinStore Store => store;

    /// <summary>The verdict on one tool as <paramref name="server"/> advertises it now.</summary>
    internal async ValueTask<PinVerdict> CheckAsync(UpstreamServerConfig server, PinnedDefinition tool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(tool);
        if (server.Pinning == PinningMode.Off)
        {
            return PinVerdict.Approved;
        }

        var known = _approved.GetOrAdd(server.Id, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
        if (known.TryGetValue(tool.Name, out var hash) && hash == tool.Hash)
        {
            return PinVerdict.Approved;
        }

        PinVerdict verdict;
        try
        {
            verdict = await DecideAsync(server, tool, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            return PinVerdict.Unavailable;
        }

        if (verdict == PinVerdict.Approved)
        {
            known[tool.Name] = tool.Hash;
        }

        return verdict;
    }

    /// <summary>The names among <paramref name="tools"/> that are quarantined (each checked as by <see cref="CheckAsync"/>).</summary>
    internal async ValueTask<HashSet<string>> QuarantinedAsync(UpstreamServerConfig server, IEnumerable<PinnedDefinition> tools, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var quarantined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (await CheckAsync(server, tool, cancellationToken).ConfigureAwait(false) != PinVerdict.Approved)
            {
                quarantined.Add(tool.Name);
            }
        }

        return quarantined;
    }

    /// <summary>Forgets which definitions of the server were found approved; the next check asks the store.</summary>
    public void Forget(string serverId) => _approved.TryRemove(serverId, out _);

    /// <summary>The denial of a call of a quarantined tool.</summary>
    internal static PolicyDecision Denial(string tool, PinVerdict verdict) => PolicyDecision.Denied(RuleId, verdict switch
    {
        PinVerdict.Changed => $"The definition of {tool} changed since it was approved; an operator must review it.",
        PinVerdict.Unapproved => $"The definition of {tool} has not been approved yet (pinning: strict); an operator must review it.",
        _ => $"The definition of {tool} cannot be checked: the pin store is unavailable, so the call is refused. Try again shortly.",
    });

    /// <summary>
    /// Approves the definition of <paramref name="tool"/> awaiting review as <paramref name="actor"/>
    /// and records a <c>tool.approved</c> audit record; the gateway lets the tool through from its next check.
    /// </summary>
    public async Task<(PinApprovalResult Result, ToolPin? Pin)> ApproveAsync(string server, string tool, string actor, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pin = await store.GetAsync(server, tool, cancellationToken).ConfigureAwait(false);
            if (pin is null)
            {
                return (PinApprovalResult.NotFound, null);
            }

            if (pin.PendingHash is not { } pending)
            {
                return (PinApprovalResult.NothingPending, pin);
            }

            var now = timeProvider.GetUtcNow();
            if (!await store.ApproveAsync(server, tool, pending, actor, now, cancellationToken).ConfigureAwait(false))
            {
                continue; // The definition awaiting review was replaced meanwhile: approve what is there now.
            }

            await audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = actor,
                Action = "tool.approved",
                Target = "server:" + server,
                Server = server,
                Tool = tool,
                Before = pin.ApprovedHash is { } old ? DefinitionRisk.Describe(old, pin.ApprovedDefinition!) : null,
                After = DefinitionRisk.Describe(pending, pin.PendingDefinition!),
                Reason = DefinitionChanges.Summary(DefinitionChanges.Between(pin.ApprovedDefinition, pin.PendingDefinition!)),
            }).ConfigureAwait(false);
            Forget(server);
            return (PinApprovalResult.Approved, await store.GetAsync(server, tool, cancellationToken).ConfigureAwait(false));
        }
    }

    private async ValueTask<PinVerdict> DecideAsync(UpstreamServerConfig server, PinnedDefinition tool, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var pin = await store.GetAsync(server.Id, tool.Name, cancellationToken).ConfigureAwait(false);
        if (pin is null)
        {
            var first = server.Pinning == PinningMode.Tofu
                ? new ToolPin { Server = server.Id, Tool = tool.Name, ApprovedHash = tool.Hash, ApprovedDefinition = tool.Canonical, ApprovedBy = FirstSeen, ApprovedAt = now, FirstSeen = now }
                : new ToolPin { Server = server.Id, Tool = tool.Name, PendingHash = tool.Hash, PendingDefinition = tool.Canonical, PendingSince = now, FirstSeen = now };
            if (await store.AddAsync(first, cancellationToken).ConfigureAwait(false))
            {
                Log.ToolPinned(logger, server.Id, tool.Name, tool.Hash[..12], first.State == ToolPinState.Pinned ? "pinned" : "awaits approval");
                return first.State == ToolPinState.Pinned ? PinVerdict.Approved : PinVerdict.Unapproved;
            }

            // Another instance pinned it first: judge by its pin.
            pin = await store.GetAsync(server.Id, tool.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new StoreUnavailableException($"The pin of {tool.Name} on '{server.Id}' was added and is gone.");
        }

        if (pin.ApprovedHash == tool.Hash)
        {
            if (pin.PendingHash is not null)
            {
                // The server advertises the approved definition again: nothing awaits review any more.
                await store.ClearChangeAsync(server.Id, tool.Name, tool.Hash, cancellationToken).ConfigureAwait(false);
            }

            return PinVerdict.Approved;
        }

        if (pin.ApprovedHash is null)
        {
            await store.MarkChangedAsync(server.Id, tool.Name, tool.Hash, tool.Canonical, now, cancellationToken).ConfigureAwait(false);
            if (server.Pinning == PinningMode.Tofu
                && await store.ApproveAsync(server.Id, tool.Name, tool.Hash, FirstSeen, now, cancellationToken).ConfigureAwait(false))
            {
                // Seen first under strict, now served under tofu: trusted on this first use.
                return PinVerdict.Approved;
            }

            return PinVerdict.Unapproved;
        }

        if (await store.MarkChangedAsync(server.Id, tool.Name, tool.Hash, tool.Canonical, now, cancellationToken).ConfigureAwait(false))
        {
            // This instance recorded the new definition, so it alone writes the change's record.
            var changes = DefinitionChanges.Between(pin.ApprovedDefinition, tool.Canonical);
            Log.ToolDefinitionChanged(logger, server.Id, tool.Name, DefinitionChanges.Summary(changes));
            await audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = "gateway",
                Action = "tool.changed",
                Target = "server:" + server.Id,
                Server = server.Id,
                Tool = tool.Name,
                Before = DefinitionRisk.Describe(pin.ApprovedHash, pin.ApprovedDefinition!),
                After = DefinitionRisk.Describe(tool.Hash, tool.Canonical),
                Reason = DefinitionChanges.Summary(changes),
            }).ConfigureAwait(false);
        }

        return PinVerdict.Changed;
    }
}
