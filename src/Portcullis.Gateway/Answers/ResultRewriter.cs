using System.Buffers;
using System.Text.Json;

namespace Portcullis.Gateway.Answers;

/// <summary>
/// Rewrites the <c>result</c> of the upstream's answer to one request, copying every other member
/// of the message as it came. Subclasses say which results they can rewrite and how.
/// </summary>
internal abstract class ResultRewriter
{
    /// <summary>The answer <paramref name="response"/> with its result rewritten, or null when its result is not one this rewriter can handle.</summary>
    public byte[]? Rewrite(JsonElement response)
    {
        if (!response.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object || !CanRewrite(result))
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
                    WriteResult(result, writer);
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

    /// <summary>Whether <paramref name="result"/> (an object) is one this rewriter handles; checked before anything is written.</summary>
    protected abstract bool CanRewrite(JsonElement result);

    /// <summary>Writes the rewritten result object.</summary>
    protected abstract void WriteResult(JsonElement result, Utf8JsonWriter writer);
}
