using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Policies;
using Portcullis.Policy;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Replay;
using Portcullis.Storage;
using Portcullis.Storage.Audit;

namespace Portcullis.Cli.Audit;

/// <summary>A call record with what a policy can use of it and the stored policy version that decided it (null when that version is gone or unreadable).</summary>
internal sealed record RecordedCallEntry(AuditRecord Record, RecordedCall Call, PolicyDocument? DecidedBy);

/// <summary>
/// Reads the tool-call decisions of the audit log, one per call, oldest first. A call held for
/// approval leaves two records (the hold, then how it ended) under one request id; the first is
/// the policy's decision and the one kept here.
/// </summary>
internal static class RecordedCalls
{
    /// <summary>What the gateway writes for a value it masked (<c>audit_args: redacted</c>).</summary>
    private const string RedactionMark = "[REDACTED:";

    private static readonly JsonElement s_noArguments = JsonDocument.Parse("{}").RootElement.Clone();

    public static async Task<IReadOnlyList<RecordedCallEntry>> ReadAsync(GatewayConfig config, StoreSet state, string? serverId, DateTimeOffset? since,
        CancellationToken cancellationToken)
    {
        var records = await state.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Call, Server = serverId, Since = since, Limit = int.MaxValue }, cancellationToken);
        var labels = config.Grants.ToDictionary(g => g.Name, g => (IReadOnlyDictionary<string, string>)g.Labels, StringComparer.Ordinal);
        foreach (var grant in await state.Grants.ListAsync(cancellationToken))
        {
            labels[grant.Name] = grant.Labels;
        }

        var versions = new Dictionary<(string, int), PolicyDocument?>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<RecordedCallEntry>();
        foreach (var record in records.OrderBy(r => r.Time).ThenBy(r => r.Chain, StringComparer.Ordinal).ThenBy(r => r.Seq))
        {
            if (record.Tool is null || record.Server is null || record.Grant is null || (record.RequestId is { } id && !seen.Add(id)))
            {
                continue;
            }

            PolicyDocument? document = null;
            if (record.PolicyVersion is { } number)
            {
                if (!versions.TryGetValue((record.Server, number), out document))
                {
                    var stored = await state.Policies.GetAsync(record.Server, number, cancellationToken);
                    document = stored is null ? null : PolicyParser.Parse(stored.Text, PolicyFormats.Parse(stored.Format)).Policy?.Document;
                    versions[(record.Server, number)] = document;
                }
            }

            if (OutcomeOf(record, document) is not { } outcome)
            {
                continue;
            }

            var (arguments, redacted) = ArgumentsOf(record.Arguments);
            entries.Add(new RecordedCallEntry(record, new RecordedCall
            {
                RequestId = record.RequestId,
                Time = record.Time,
                ServerId = record.Server,
                Tool = record.Tool,
                GrantName = record.Grant,
                GrantLabels = labels.GetValueOrDefault(record.Grant),
                Session = record.Session,
                Arguments = arguments,
                ArgumentsRedacted = redacted,
                Outcome = outcome,
                RuleId = record.RuleId,
                RecordedDecision = record.Decision!,
            }, document));
        }

        return entries;
    }

    /// <summary>What the policy decided, from the record; a shadow denial is a hold when its rule is an approval rule of the version that decided.</summary>
    private static PolicyOutcome? OutcomeOf(AuditRecord record, PolicyDocument? decidedBy) => record.Decision switch
    {
        AuditDecisions.Allow or AuditDecisions.UpstreamError or AuditDecisions.FailOpenAllow => PolicyOutcome.Allow,
        AuditDecisions.Deny => PolicyOutcome.Deny,
        AuditDecisions.ApprovalRequested => PolicyOutcome.RequireApproval,
        AuditDecisions.ShadowDeny => record.RuleId is { } rule
            && (decidedBy is null ? rule.EndsWith("/approval", StringComparison.Ordinal) : RuleIds.HoldsForApproval(decidedBy, rule))
            ? PolicyOutcome.RequireApproval
            : PolicyOutcome.Deny,
        _ => null,
    };

    /// <summary>
    /// The argument values as recorded: an object under <c>full</c> or <c>redacted</c> (and whether
    /// a value was masked), an empty object when the call had none, null when only names were kept.
    /// </summary>
    private static (JsonElement? Arguments, bool Redacted) ArgumentsOf(string? recorded)
    {
        if (recorded is null)
        {
            return (s_noArguments, false);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(recorded);
        }
        catch (JsonException)
        {
            return (null, false);
        }

        using var _ = document;
        var root = document.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.Object => (root.Clone(), recorded.Contains(RedactionMark, StringComparison.Ordinal)),
            JsonValueKind.Array when root.GetArrayLength() == 0 => (s_noArguments, false),
            _ => (null, false),
        };
    }

    /// <summary>The arguments as the record shows them, for examples in reports.</summary>
    public static string ArgumentsText(AuditRecord record) => record.Arguments ?? "{}";
}
