using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway;

/// <summary>
/// Every log message of the gateway, with its event id, in one place. Ids are grouped by feature,
/// a thousand to each; they are documented (docs/operations.md) and never reused for another message.
/// </summary>
internal static partial class Log
{
    // 1xxx Policies: loading, applying and syncing each server's policy.
    [LoggerMessage(1001, LogLevel.Information, "Policy for server '{ServerId}' loaded from {Path} (version {Version}).")]
    public static partial void PolicyLoaded(ILogger logger, string serverId, string path, int version);

    [LoggerMessage(1002, LogLevel.Error, "Policy file {Path} for server '{ServerId}' was rejected; the previous version keeps serving. Errors:\n{Errors}")]
    public static partial void PolicyRejected(ILogger logger, string serverId, string path, string errors);

    [LoggerMessage(1003, LogLevel.Error, "Policy file {Path} for server '{ServerId}' could not be read; the previous version keeps serving: {Message}")]
    public static partial void PolicyUnreadable(ILogger logger, string serverId, string path, string message);

    [LoggerMessage(1004, LogLevel.Information, "Policy for server '{ServerId}' is now version {Version} ({Source}: {Comment}).")]
    public static partial void PolicyApplied(ILogger logger, string serverId, int version, string source, string comment);

    [LoggerMessage(1005, LogLevel.Error, "Policy version {Version} for server '{ServerId}' in the store is invalid and was not applied; the previous version keeps serving. Errors:\n{Errors}")]
    public static partial void StoredPolicyRejected(ILogger logger, string serverId, int version, string errors);

    [LoggerMessage(1006, LogLevel.Warning, "Could not check the store for policy changes: {Message}")]
    public static partial void PolicySyncFailed(ILogger logger, string message);

    [LoggerMessage(1007, LogLevel.Warning, "Policy file {Path} for server '{ServerId}' is invalid; serving the newest stored version {Version} as asked (--if-policy-invalid use-stored). The file is imported once it is valid. Errors:\n{Errors}")]
    public static partial void PolicyFileInvalidServingStored(ILogger logger, string serverId, string path, int version, string errors);

    [LoggerMessage(1008, LogLevel.Warning, "Server '{ServerId}' serves policy version {Version} ({Source}: {Comment}), not its policy file {Path}, which {FileMatches}. The file takes over when it next changes; `portcullis policy history` shows both.")]
    public static partial void PolicyFileNotInForce(ILogger logger, string serverId, int version, string source, string comment, string path, string fileMatches);

    [LoggerMessage(1009, LogLevel.Warning, "Policy version {Version} of server '{ServerId}' {Path}: {Warning}")]
    public static partial void PolicyNamesUnknownTool(ILogger logger, string serverId, int version, string path, string warning);

    // 2xxx Calls: decisions, refusals and failures inside the gateway.
    [LoggerMessage(2001, LogLevel.Debug, "{Decision} {Tool} on '{ServerId}' for grant '{Grant}' by {RuleId}: {Reason}")]
    public static partial void ToolCallDecided(ILogger logger, string decision, string tool, string serverId, string grant, string ruleId, string reason);

    [LoggerMessage(2003, LogLevel.Warning, "Allowed {Tool} on '{ServerId}' for grant '{Grant}' without reserving its limit {RuleId}: the counter store is unavailable and fail_mode is open.")]
    public static partial void FailOpenAllowed(ILogger logger, string tool, string serverId, string grant, string ruleId);

    [LoggerMessage(2004, LogLevel.Warning, "fail_mode is open: while the counter store is unavailable, limited calls are let through without counting.")]
    public static partial void FailModeOpen(ILogger logger);

    [LoggerMessage(2005, LogLevel.Debug, "Refused {Action} request for '{ServerId}': {Reason}")]
    public static partial void RequestRefused(ILogger logger, string action, string serverId, string reason);

    [LoggerMessage(2006, LogLevel.Error, "Request {ReferenceId} to '{ServerId}' failed inside the gateway; the client was told -32603 with this reference.")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, string referenceId, string serverId);

    // 3xxx Upstreams: failures, dropped messages and stdio processes.
    [LoggerMessage(3001, LogLevel.Warning, "Upstream '{ServerId}' failed: {Error}.")]
    public static partial void UpstreamFailed(ILogger logger, string serverId, string error);

    [LoggerMessage(3002, LogLevel.Warning, "Dropped a message from upstream '{ServerId}': {Reason}.")]
    public static partial void AnswerDropped(ILogger logger, string serverId, string reason);

    [LoggerMessage(3003, LogLevel.Information, "The stdio process of upstream '{ServerId}' was stopped with its session.")]
    public static partial void StdioProcessStopped(ILogger logger, string serverId);

    // 4xxx Stores: outages of the shared stores.
    [LoggerMessage(4001, LogLevel.Error, "The {Store} is unavailable: {Message}. Logged once until it recovers.")]
    public static partial void StoreUnavailable(ILogger logger, string store, string message);

    [LoggerMessage(4002, LogLevel.Information, "The {Store} is available again.")]
    public static partial void StoreRecovered(ILogger logger, string store);

    // 5xxx Audit: sinks, spill files and retention.
    [LoggerMessage(5001, LogLevel.Information, "Audit records spilled while sink '{Sink}' was down have been written to it.")]
    public static partial void AuditSpillReplayed(ILogger logger, string sink);

    [LoggerMessage(5002, LogLevel.Warning, "Audit sink '{Sink}' was still down at shutdown; its records wait in {Path} and are written when a gateway using this spill directory next reaches it.")]
    public static partial void AuditSpillLeft(ILogger logger, string sink, string path);

    [LoggerMessage(5003, LogLevel.Information, "Audit retention removed {Count} records older than {Days} days.")]
    public static partial void AuditRetention(ILogger logger, long count, int days);

    [LoggerMessage(5004, LogLevel.Critical, "Audit sink '{Sink}' is down and its spill file {Path} cannot be written ({Message}); retrying every second, and calls wait once the queue is full.")]
    public static partial void AuditSpillFailed(ILogger logger, string sink, string path, string message);

    [LoggerMessage(5005, LogLevel.Warning, "Audit retention could not run; it tries again in an hour: {Message}")]
    public static partial void AuditRetentionFailed(ILogger logger, string message);

    // 6xxx Approvals: the approval store and webhooks.
    [LoggerMessage(6001, LogLevel.Warning, "The approval webhook for {ApprovalId} at {Url} failed: {Message}. The approval still waits for a decision.")]
    public static partial void ApprovalWebhookFailed(ILogger logger, string approvalId, string url, string message);

    [LoggerMessage(6002, LogLevel.Warning, "Approval {ApprovalId}: the store is unavailable ({Message}); retrying.")]
    public static partial void ApprovalStoreRetry(ILogger logger, string approvalId, string message);

    [LoggerMessage(6003, LogLevel.Warning, "The approval webhook for {ApprovalId} at {Url} was not sent: {Message}. The approval still waits for a decision.")]
    public static partial void ApprovalWebhookRefused(ILogger logger, string approvalId, string url, string message);

    // 7xxx Tools and pinning: tool lists and pinned definitions.
    [LoggerMessage(7001, LogLevel.Information, "Read {Count} tool definitions from server {ServerId} (for argument validation and pinning).")]
    public static partial void ToolListRead(ILogger logger, string serverId, int count);

    [LoggerMessage(7002, LogLevel.Warning, "The tool list of server {ServerId} could not be read: {Message}. Calls it would validate or check against their pins are denied.")]
    public static partial void ToolListFailed(ILogger logger, string serverId, string message);

    [LoggerMessage(7003, LogLevel.Information, "Server {ServerId} announced a change to its tools; their definitions are read again (at once where the server's tools are pinned).")]
    public static partial void ToolListChanged(ILogger logger, string serverId);

    [LoggerMessage(7004, LogLevel.Information, "Tool {Tool} of server {ServerId} seen for the first time (sha256 {HashPrefix}…): {State}.")]
    public static partial void ToolPinned(ILogger logger, string serverId, string tool, string hashPrefix, string state);

    [LoggerMessage(7005, LogLevel.Warning, "The definition of tool {Tool} of server {ServerId} changed since it was approved ({Changes}); the tool is quarantined until an operator approves it.")]
    public static partial void ToolDefinitionChanged(ILogger logger, string serverId, string tool, string changes);

    // 8xxx Readiness and telemetry.
    [LoggerMessage(8001, LogLevel.Warning, "Not ready: the {Part} check failed: {Problem}")]
    public static partial void NotReady(ILogger logger, string part, string problem);

    [LoggerMessage(8002, LogLevel.Warning, "Telemetry export failed ({Source}): {Problem}. The gateway keeps serving; this batch is dropped and later ones are tried (said at most once a minute).")]
    public static partial void TelemetryExportFailed(ILogger logger, string source, string problem);
}
