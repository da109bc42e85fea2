using System.Text.Json;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Calls;

/// <summary>The tool a <c>tools/call</c> names and its arguments, read from the message's <c>params</c>.</summary>
/// <param name="Tool">The tool's name.</param>
/// <param name="Arguments">The arguments object; undefined when the call sends none (or <c>null</c>).</param>
internal readonly record struct ToolCallRequest(string Tool, JsonElement Arguments)
{
    /// <summary>Reads <paramref name="message"/>'s <c>params</c>, or says what is wrong with them.</summary>
    public static bool TryRead(JsonRpcMessage message, out ToolCallRequest request, out GatewayError? error)
    {
        ArgumentNullException.ThrowIfNull(message);
        request = default;
        var parameters = message.Params;
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("name", out var name)
            || name.ValueKind != JsonValueKind.String)
        {
            error = GatewayError.InvalidParams("tools/call needs params.name, the tool's name.");
            return false;
        }

        var arguments = default(JsonElement);
        if (parameters.TryGetProperty("arguments", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                error = GatewayError.InvalidParams("params.arguments must be a JSON object.");
                return false;
            }

            arguments = given;
        }

        request = new ToolCallRequest(name.GetString()!, arguments);
        error = null;
        return true;
    }
}
