using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Protocol;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Answers;

/// <summary>
/// Writes a policy denial as a normal <c>tools/call</c> result with <c>isError: true</c>, so a
/// model reads the reason, plus the structured detail under <c>_meta</c>.
/// </summary>
internal static class DenialResult
{
    public const string Prefix = "[POLICY DENIED] ";

    public const string MetaKey = "portcullis/decision";

    public static async Task WriteAsync(HttpContext context, JsonElement id, PolicyDecision decision)
    {
        if (context.Response.HasStarted)
        {
            await EventStream.WriteMessageAsync(context, writer => Write(writer, id, decision)).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        if (decision.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        }

        var writer = new Utf8JsonWriter(context.Response.Body);
        await using var _ = writer.ConfigureAwait(false);
        Write(writer, id, decision);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the denial as one JSON-RPC response message.</summary>
    public static void Write(Utf8JsonWriter writer, JsonElement id, PolicyDecision decision)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WritePropertyName("id");
        id.WriteTo(writer);
        writer.WriteStartObject("result");
        writer.WriteStartArray("content");
        writer.WriteStartObject();
        writer.WriteString("type", "text");
        writer.WriteString("text", Prefix + decision.Reason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteBoolean("isError", true);
        writer.WriteStartObject("_meta");
        writer.WriteStartObject(MetaKey);
        writer.WriteString("decision", "deny");
        writer.WriteString("ruleId", decision.RuleId);
        writer.WriteString("reason", decision.Reason);
        if (decision.RetryAfter is { } retryAfter)
        {
            writer.WriteNumber("retryAfterSeconds", RetryAfterSeconds(retryAfter));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static long RetryAfterSeconds(TimeSpan retryAfter) => (long)Math.Ceiling(retryAfter.TotalSeconds);
}
