using System.Text.Json;
using System.Text.Unicode;

namespace Portcullis.Gateway.Protocol;

/// <summary>What a JSON-RPC message is.</summary>
internal enum JsonRpcKind
{
    Request,
    Notification,
    Response,
}

/// <summary>
/// One client-to-server JSON-RPC message, parsed once, strictly: duplicate keys, batches and
/// anything that is not JSON-RPC 2.0 are refused, so what the policy sees is exactly what is
/// forwarded.
/// </summary>
internal sealed class JsonRpcMessage : IDisposable
{
    /// <summary>The levels above a call's arguments: the message object and its <c>params</c>.</summary>
    private const int EnvelopeDepth = 2;

    /// <summary>The members JSON-RPC 2.0 defines; anything else could be read by a lenient server as something the gateway never checked.</summary>
    private static readonly HashSet<string> s_members = new(StringComparer.Ordinal) { "jsonrpc", "id", "method", "params", "result", "error" };

    private readonly JsonDocument _document;

    private JsonRpcMessage(JsonDocument document, JsonRpcKind kind, string? method, JsonElement id)
    {
        _document = document;
        Kind = kind;
        Method = method;
        Id = id;
    }

    public JsonRpcKind Kind { get; }

    public string? Method { get; }

    /// <summary>The request id (string or number); undefined for notifications.</summary>
    public JsonElement Id { get; }

    public JsonElement Root => _document.RootElement;

    public JsonElement Params => Root.TryGetProperty("params", out var value) ? value : default;

    /// <summary>
    /// Parses a request body, or returns the JSON-RPC error that describes what is wrong with it.
    /// Nesting is capped so that a call's <c>arguments</c> may nest <paramref name="maxArgumentDepth"/>
    /// levels and no more; a repeated property name anywhere is refused, since the gateway and the
    /// server could each read a different one of the two.
    /// </summary>
    public static JsonRpcMessage? TryParse(ReadOnlyMemory<byte> body, int maxArgumentDepth, out GatewayError? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = maxArgumentDepth + EnvelopeDepth });
        }
        catch (JsonException e)
        {
            error = Refusal(e, body.Span, maxArgumentDepth);
            return null;
        }
        catch (InvalidOperationException)
        {
            // Checking names for repeats reads them as text, which a name that is not Unicode cannot be.
            error = InvalidText(body.Span, maxArgumentDepth + EnvelopeDepth) ?? GatewayError.ParseError("The body is not valid Unicode JSON.");
            return null;
        }

        error = InvalidText(body.Span, maxArgumentDepth + EnvelopeDepth);
        if (error is not null)
        {
            document.Dispose();
            return null;
        }

        if (FoldedNames.FindCollision(body.Span, maxArgumentDepth + EnvelopeDepth) is { } folded)
        {
            document.Dispose();
            error = GatewayError.InvalidRequest(
                $"The message has two property names in one object that differ only by case ('{Excerpt.Of(folded, 60)}'); a server that reads names case-insensitively could act on the other one.");
            return null;
        }

        var root = document.RootElement;
        error = Validate(root, out var kind, out var method, out var id);
        if (error is not null)
        {
            document.Dispose();
            return null;
        }

        return new JsonRpcMessage(document, kind, method, id);
    }

    public void Dispose() => _document.Dispose();

    private static GatewayError? Validate(JsonElement root, out JsonRpcKind kind, out string? method, out JsonElement id)
    {
        kind = JsonRpcKind.Request;
        method = null;
        id = default;
        if (root.ValueKind == JsonValueKind.Array)
        {
            return GatewayError.InvalidRequest("JSON-RPC batches are not supported (removed in MCP 2025-06-18); send one message per request.");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return GatewayError.InvalidRequest("A JSON-RPC message is a JSON object.");
        }

        if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0"))
        {
            return GatewayError.InvalidRequest("\"jsonrpc\" must be \"2.0\".");
        }

        foreach (var member in root.EnumerateObject())
        {
            if (!s_members.Contains(member.Name))
            {
                return GatewayError.InvalidRequest($"Unknown member '{Excerpt.Of(member.Name, 60)}': a JSON-RPC message has only jsonrpc, id, method and params, or result or error.");
            }
        }

        var hasId = root.TryGetProperty("id", out id);
        if (hasId && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            return GatewayError.InvalidRequest("\"id\" must be a string or a number.");
        }

        if (root.TryGetProperty("method", out var methodElement))
        {
            if (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _))
            {
                return GatewayError.InvalidRequest("A message is a request or notification (method) or a response (result or error), never both.");
            }

            if (methodElement.ValueKind != JsonValueKind.String || methodElement.GetString() is not { Length: > 0 } name)
            {
                return GatewayError.InvalidRequest("\"method\" must be a non-empty string.");
            }

            if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                return GatewayError.InvalidRequest("\"params\" must be an object.");
            }

            method = name;
            kind = hasId ? JsonRpcKind.Request : JsonRpcKind.Notification;
            return null;
        }

        if (hasId && (root.TryGetProperty("result", out _) ^ root.TryGetProperty("error", out _)))
        {
            if (root.TryGetProperty("params", out _))
            {
                return GatewayError.InvalidRequest("A response carries result or error, not params.");
            }

            kind = JsonRpcKind.Response;
            return null;
        }

        return GatewayError.InvalidRequest("The message is neither a request, a notification nor a response.");
    }

    /// <summary>
    /// Refuses text that is not Unicode: a string or name holding bytes that are not UTF-8, or an
    /// escaped surrogate without its pair (<c>"\ud800"</c>). The JSON reader lets both through, but
    /// no string can be read from them, so the policy, the audit record and the server would each
    /// see something different, or nothing at all.
    /// </summary>
    private static GatewayError? InvalidText(ReadOnlySpan<byte> body, int maxDepth)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            {
                continue;
            }

            var what = reader.TokenType == JsonTokenType.PropertyName ? "a property name" : "a string";
            if (!Utf8.IsValid(reader.ValueSpan))
            {
                return GatewayError.ParseError($"The body is not valid UTF-8: {what} starting at byte {reader.TokenStartIndex} holds bytes that are not UTF-8.");
            }

            if (reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return GatewayError.ParseError(
                        $"The body is not valid Unicode: {what} starting at byte {reader.TokenStartIndex} escapes a surrogate without its pair (such as \\ud800).");
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Why a body failed to parse: too deep, a repeated property name, or not JSON at all. Runs
    /// only after a failure, so the body is read once more, this time without either limit.
    /// </summary>
    private static GatewayError Refusal(JsonException e, ReadOnlySpan<byte> body, int maxArgumentDepth)
    {
        var limit = maxArgumentDepth + EnvelopeDepth;
        return DeepestNesting(body) switch
        {
            null => GatewayError.ParseError($"The body is not valid JSON: {FirstSentence(e.Message)}"),
            { } deepest when deepest > limit => GatewayError.InvalidRequest(
                $"The message nests deeper than {limit} levels: tool arguments may nest at most {maxArgumentDepth} (max_argument_depth). {FirstSentence(e.Message)}"),
            _ => GatewayError.InvalidRequest($"The message repeats a property name ({FirstSentence(e.Message)}); each name may appear once per object."),
        };
    }

    /// <summary>How many containers deep the body nests; null when it is not well-formed JSON even with repeated names allowed.</summary>
    private static int? DeepestNesting(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue / 2 });
        var deepest = 0;
        try
        {
            while (reader.Read())
            {
                deepest = Math.Max(deepest, reader.CurrentDepth + (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : 0));
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return deepest;
    }


    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
