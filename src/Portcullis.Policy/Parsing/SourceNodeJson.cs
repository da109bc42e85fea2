using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Portcullis.Policy.Parsing;

/// <summary>
/// A <see cref="SourceNode"/> written back as JSON, whichever format it was read from (both
/// readers keep numbers in JSON's own syntax). Repeated keys are written as they came; callers
/// that must refuse them check first.
/// </summary>
internal static class SourceNodeJson
{
    public static string ToText(SourceNode node) => Encoding.UTF8.GetString(Serialize(node).WrittenSpan);

    public static JsonElement ToElement(SourceNode node)
    {
        using var document = JsonDocument.Parse(Serialize(node).WrittenMemory);
        return document.RootElement.Clone();
    }

    private static ArrayBufferWriter<byte> Serialize(SourceNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, node);
        }

        return buffer;
    }

    /// <summary>Writes <paramref name="node"/> and everything under it to <paramref name="writer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, SourceNode node)
    {
        switch (node.Kind)
        {
            case SourceNodeKind.Object:
                writer.WriteStartObject();
                foreach (var property in node.Properties)
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case SourceNodeKind.Array:
                writer.WriteStartArray();
                foreach (var item in node.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case SourceNodeKind.String:
                writer.WriteStringValue(node.Text);
                break;
            case SourceNodeKind.Number:
                writer.WriteRawValue(node.Text!);
                break;
            case SourceNodeKind.Boolean:
                writer.WriteBooleanValue(node.BooleanValue);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
