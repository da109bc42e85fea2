using System.Buffers;
using System.Text.Json;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Proxy;

/// <summary>Rewrites the upstream's answer to an <c>initialize</c> request: drops or replaces its <c>instructions</c>.</summary>
internal sealed class InstructionsRewriter(UpstreamInstructions instructions)
{
    /// <summary>The answer <paramref name="response"/> with its instructions rewritten, or null when its result is not an object.</summary>
    public byte[]? Rewrite(JsonElement response)
    {
        if (!response.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in response.EnumerateObject())
            {
                if (!property.NameEquals("result"))
                {
                    property.WriteTo(writer);
                    continue;
                }

                writer.WriteStartObject("result");
                foreach (var field in result.EnumerateObject())
                {
                    if (!field.NameEquals("instructions"))
                    {
                        field.WriteTo(writer);
                    }
                }

                if (instructions.Mode == InstructionsMode.Replace)
                {
                    writer.WriteString("instructions", instructions.Text);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
