using System.Buffers;
using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Proxy;

/// <summary>Rewrites the upstream's answer to one <c>tools/list</c> request so the client sees only the tools its policy shows.</summary>
internal sealed class ToolsListRewriter(CompiledPolicy policy, JsonElement requestId)
{
    private readonly string _requestId = requestId.GetRawText();

    /// <summary>The rewritten message, or null when <paramref name="message"/> is not the answer to the request.</summary>
    public byte[]? Rewrite(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var id) || id.GetRawText() != _requestId
                || !root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var buffer = new ArrayBufferWriter<byte>(message.Length);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var property in root.EnumerateObject())
                {
                    if (property.NameEquals("result"))
                    {
                        writer.WritePropertyName("result");
                        policy.WriteFilteredToolsList(result, writer);
                    }
                    else
                    {
                        property.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }
}
