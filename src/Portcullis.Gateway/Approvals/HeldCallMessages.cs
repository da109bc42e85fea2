using System.Text.Json;
using Portcullis.Gateway.Protocol;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Approvals;

/// <summary>The JSON-RPC messages both fronts read and write around a call held for approval.</summary>
internal static class HeldCallMessages
{
    /// <summary>The request's <c>params._meta.progressToken</c>, when the client asked for progress notifications.</summary>
    public static JsonElement? ProgressToken(JsonRpcMessage message) =>
        message.Params.ValueKind == JsonValueKind.Object
        && message.Params.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
        && meta.TryGetProperty("progressToken", out var token) && token.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? token.Clone()
            : null;

    /// <summary>For <c>notifications/cancelled</c>: the cancelled request's id as raw JSON text.</summary>
    public static string? CancelledRequestId(JsonRpcMessage message) =>
        message.Method == "notifications/cancelled" && message.Params.ValueKind == JsonValueKind.Object
        && message.Params.TryGetProperty("requestId", out var requestId) && requestId.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? requestId.GetRawText()
            : null;

    /// <summary>A <c>notifications/progress</c> saying the call waits for <paramref name="hold"/>.</summary>
    public static void WriteProgress(Utf8JsonWriter writer, JsonElement token, int progress, ApprovalRequest hold)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(hold);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteString("method", "notifications/progress");
        writer.WriteStartObject("params");
        writer.WritePropertyName("progressToken");
        token.WriteTo(writer);
        writer.WriteNumber("progress", progress);
        writer.WriteString("message", $"Waiting for approval {hold.Id} (until {AuditCanonicalForm.FormatTime(hold.ExpiresAt)}).");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
