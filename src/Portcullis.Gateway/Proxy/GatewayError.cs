using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// An error the gateway answers itself: an HTTP status and a JSON-RPC error body whose message
/// names the problem. Upstream bodies and exception text never appear in it.
/// </summary>
internal sealed record GatewayError(int StatusCode, int Code, string Message)
{
    public static GatewayError ParseError(string message) => new(StatusCodes.Status400BadRequest, -32700, message);

    public static GatewayError InvalidRequest(string message) => new(StatusCodes.Status400BadRequest, -32600, message);

    public static GatewayError InvalidParams(string message) => new(StatusCodes.Status200OK, -32602, message);

    public static GatewayError MethodNotFound(string message, bool isRequest) =>
        new(isRequest ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest, -32601, message);

    public static GatewayError Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, -32001, message);

    public static GatewayError Forbidden(string message) => new(StatusCodes.Status403Forbidden, -32001, message);

    public static GatewayError UnknownSession() =>
        new(StatusCodes.Status404NotFound, -32600, "Unknown or expired session: send initialize without Mcp-Session-Id to start a new one.");

    public static GatewayError UpstreamUnavailable(string serverId) =>
        new(StatusCodes.Status502BadGateway, -32003, $"Upstream server '{serverId}' could not be reached or answered badly.");

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
