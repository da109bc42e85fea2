using System.Buffers;
using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Proxy;

/// <summary>Rewrites the upstream's answer to one <c>tools/list</c> request so the client sees only the tools its policy shows.</summary>
internal sealed class ToolsListRewriter(CompiledPolicy policy)
{
    /// <summary>The answer <paramref name="response"/> with its result filtered, or null when its result is not a tool list.</summary>
    public byte[]? Rewrite(JsonElement response)
    {
        if (!response.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object
            || !result.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in response.EnumerateObject())
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
