using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portcullis.Gateway.Pinning;

/// <summary>
/// One tool's definition in canonical form, and its SHA-256. The canonical form is a JSON object
/// holding the members <c>annotations</c>, <c>description</c>, <c>inputSchema</c>, <c>name</c>,
/// <c>outputSchema</c> and <c>title</c> the server sent (absent ones left out, any others — such
/// as <c>_meta</c> or <c>icons</c> — ignored); keys of every object sorted by ordinal (UTF-16 code
/// units) order; no whitespace between tokens; array order kept; strings written with only
/// <c>"</c>, <c>\</c> and control characters escaped; numbers, <c>true</c>, <c>false</c> and
/// <c>null</c> as the server wrote them. The hash is lowercase hex SHA-256 of its UTF-8 bytes.
/// </summary>
internal sealed record PinnedDefinition(string Name, string Canonical, string Hash)
{
    /// <summary>The members a definition is pinned by, in the order they are written (already sorted).</summary>
    public static readonly string[] Members = ["annotations", "description", "inputSchema", "name", "outputSchema", "title"];

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The pinned form of one entry of a <c>tools</c> array; null when it is not an object with a non-empty string <c>name</c>.</summary>
    public static PinnedDefinition? From(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { Length: > 0 } name)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            foreach (var member in Members)
            {
                if (tool.TryGetProperty(member, out var value))
                {
                    writer.WritePropertyName(member);
                    WriteSorted(writer, value);
                }
            }

            writer.WriteEndObject();
        }

        return new PinnedDefinition(name, Encoding.UTF8.GetString(buffer.WrittenSpan), Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan)));
    }

    /// <summary>The canonical form of any JSON value, by the same rules.</summary>
    public static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
