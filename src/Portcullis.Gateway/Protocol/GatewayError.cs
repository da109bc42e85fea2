using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Portcullis.Gateway.Protocol;

/// <summary>
/// An error the gateway answers itself: an HTTP status and a JSON-RPC error body whose message
/// names the problem. Upstream bodies and exception text never appear in it.
/// </summary>
internal sealed record GatewayError(GatewayFailure Failure, string Message)
{
    private readonly int? _status;

    /// <summary>The HTTP status, from the table of failures unless this error carries its own.</summary>
    public int StatusCode
    {
        get => _status ?? GatewayFailures.Of(Failure).Status;
        init => _status = value;
    }

    /// <summary>The JSON-RPC error code.</summary>
    public int Code => GatewayFailures.Of(Failure).Code;

    /// <summary>What a refusal record calls it.</summary>
    public string AuditAction => GatewayFailures.Of(Failure).AuditAction;

    public static GatewayError ParseError(string message) => new(GatewayFailure.MalformedJson, message);

    public static GatewayError InvalidRequest(string message) => new(GatewayFailure.InvalidRequest, message);

    public static GatewayError InvalidParams(string message) => new(GatewayFailure.InvalidParams, message);

    /// <summary>A method the server may not receive; a notification (which gets no JSON-RPC answer) is refused with 400.</summary>
    public static GatewayError MethodNotFound(string message, bool isRequest) =>
        new(GatewayFailure.MethodNotFound, message) { StatusCode = isRequest ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest };

    public static GatewayError UnknownSession() =>
        new(GatewayFailure.UnknownSession, "Unknown or expired session: send initialize without Mcp-Session-Id to start a new one.");

    public static GatewayError UpstreamUnavailable(string serverId) =>
        new(GatewayFailure.UpstreamUnreachable, $"Upstream server '{serverId}' could not be reached or answered badly.");

    public async Task WriteAsync(HttpContext context, JsonElement id = default)
    {
        if (context.Response.HasStarted)
        {
            // An event stream is already open (a call held for approval): the error is its next event.
            await EventStream.WriteMessageAsync(context, writer => Write(writer, id)).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCode;
        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.Body);
        await using var _ = writer.ConfigureAwait(false);
        Write(writer, id);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the error as one JSON-RPC response message (id null when the request's id is unknown).</summary>
    public void Write(Utf8JsonWriter writer, JsonElement id)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WritePropertyName("id");
        if (id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            id.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject("error");
        writer.WriteNumber("code", Code);
        writer.WriteString("message", Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
