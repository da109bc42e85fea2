using System.Text;
using System.Text.Json;

namespace Portcullis.Gateway.Upstreams;

/// <summary>The server's tool list could not be read; the message says why.</summary>
internal sealed class ToolListException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an upstream's whole tool list over a session: <c>tools/list</c>, then every further page
/// its <c>nextCursor</c> names. Other messages the server sends on the way are not the answer:
/// they go to the caller's observer (which watches for <c>notifications/tools/list_changed</c>)
/// and are otherwise skipped.
/// </summary>
internal static class ToolListReader
{
    /// <summary>A server that keeps handing out cursors is cut off here rather than followed forever.</summary>
    public const int MaxPages = 100;

    public static async Task<ToolDefinitions> ReadAsync(UpstreamHttpSession upstream, TimeSpan timeout, Action<byte[]> observeOther, CancellationToken cancellationToken) =>
        ToolDefinitions.From(await ReadAllAsync(upstream, timeout, observeOther, cancellationToken).ConfigureAwait(false));

    /// <summary>Every page's <c>tools</c> entries, in the order the server listed them.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ReadAllAsync(UpstreamHttpSession upstream, TimeSpan timeout, Action<byte[]> observeOther,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var tools = new List<JsonElement>();
        var cursors = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        try
        {
            for (var page = 1; page <= MaxPages; page++)
            {
                cursor = await ReadPageAsync(upstream, cursor, tools, observeOther, deadline.Token).ConfigureAwait(false);
                if (cursor is null)
                {
                    return tools;
                }

                if (!cursors.Add(cursor))
                {
                    throw new ToolListException($"the server handed out the cursor '{cursor}' twice");
                }
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ToolListException($"the server did not list its tools within {timeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is HttpRequestException or UpstreamStatusException or JsonException)
        {
            throw new ToolListException(e.Message, e);
        }

        throw new ToolListException($"the server's tool list runs past {MaxPages} pages");
    }

    /// <summary>Reads one page into <paramref name="tools"/>; returns the next cursor, or null on the last page.</summary>
    private static async Task<string?> ReadPageAsync(UpstreamHttpSession upstream, string? cursor, List<JsonElement> tools, Action<byte[]> observeOther,
        CancellationToken cancellationToken)
    {
        var id = "portcullis-tools-list-" + Guid.NewGuid().ToString("N");
        var request = Request(id, cursor);
        await foreach (var answer in upstream.SendAsync(request, isInitialize: false, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var answerId)
                || answerId.ValueKind != JsonValueKind.String || !answerId.ValueEquals(id))
            {
                observeOther(answer);
                continue;
            }

            if (root.TryGetProperty("error", out var error))
            {
                throw new ToolListException($"the server refused tools/list: {Describe(error)}");
            }

            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object
                || !result.TryGetProperty("tools", out var page) || page.ValueKind != JsonValueKind.Array)
            {
                throw new ToolListException("the server's tools/list answer has no tools array");
            }

            foreach (var tool in page.EnumerateArray())
            {
                tools.Add(tool.Clone());
            }

            return result.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }

        throw new ToolListException("the server did not answer tools/list");
    }

    private static byte[] Request(string id, string? cursor)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteString("id", id);
            writer.WriteString("method", "tools/list");
            writer.WriteStartObject("params");
            if (cursor is not null)
            {
                writer.WriteString("cursor", cursor);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A JSON-RPC error as <c>code message</c>, for the operator.</summary>
    internal static string Describe(JsonElement error)
    {
        var text = new StringBuilder();
        if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var code))
        {
            text.Append(code.GetRawText()).Append(' ');
        }

        text.Append(error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
            ? message.GetString()
            : "(no message)");
        return text.ToString();
    }
}
