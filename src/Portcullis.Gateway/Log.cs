using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway;

/// <summary>Every log message of the gateway, with its event id, in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Policy for server '{ServerId}' loaded from {Path} (version {Version}).")]
    public static partial void PolicyLoaded(ILogger logger, string serverId, string path, int version);

    [LoggerMessage(1002, LogLevel.Error, "Policy file {Path} for server '{ServerId}' was rejected; the previous version keeps serving. Errors:\n{Errors}")]
    public static partial void PolicyRejected(ILogger logger, string serverId, string path, string errors);

    [LoggerMessage(1003, LogLevel.Error, "Policy file {Path} for server '{ServerId}' could not be read; the previous version keeps serving: {Message}")]
    public static partial void PolicyUnreadable(ILogger logger, string serverId, string path, string message);

    [LoggerMessage(2001, LogLevel.Information, "{Decision} {Tool} on '{ServerId}' for grant '{Grant}' by {RuleId}: {Reason}")]
    public static partial void ToolCallDecided(ILogger logger, string decision, string tool, string serverId, string grant, string ruleId, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "Request to '{ServerId}' refused: {Status} (grant {Grant}).")]
    public static partial void AuthRefused(ILogger logger, string serverId, string status, string? grant);

    [LoggerMessage(3001, LogLevel.Warning, "Upstream '{ServerId}' failed: {Error}.")]
    public static partial void UpstreamFailed(ILogger logger, string serverId, string error);
}
