using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portcullis.Gateway.Pinning;

/// <summary>
/// One tool's definition in canonical form, and its SHA-256. The canonical form is a JSON object
/// holding the members <c>annotations</c>, <c>description</c>, <c>inputSchema</c>, <c>name</c>,
/// <c>outputSchema</c> and <c>title</c> the server sent (absent ones left out, any others — such
/// as <c>_meta</c> or <c>icons</c> — ignored); keys of every object sorted in ordinal (UTF-16 code
/// unit) order; no whitespace between tokens; array order kept; strings (values and keys) escaped
/// as RFC 8785 does — <c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other control characters as
/// <c>\u00xx</c> in lower case, every other character as itself in UTF-8 —; numbers, <c>true</c>,
/// <c>false</c> and <c>null</c> exactly as the server wrote them. The hash is the lowercase hex
/// SHA-256 of the canonical form's UTF-8 bytes.
/// </summary>
internal sealed record PinnedDefinition(string Name, string Canonical, string Hash)
{
    /// <summary>The members a definition is pinned by, in the order they are written (already sorted).</summary>
    public static readonly string[] Members = ["annotations", "description", "inputSchema", "name", "outputSchema", "title"];

    /// <summary>
    /// The pinned form of one entry of a <c>tools</c> array; null when it is not an object with a
    /// non-empty string <c>name</c>. Throws <see cref="InvalidOperationException"/> when a string in
    /// it is not valid Unicode (an escaped lone surrogate): such a definition cannot be pinned.
    /// </summary>
    public static PinnedDefinition? From(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { Length: > 0 } name)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append('{');
        var first = true;
        foreach (var member in Members)
        {
            if (tool.TryGetProperty(member, out var value))
            {
                text.Append(first ? "" : ",");
                first = false;
                AppendString(text, member);
                text.Append(':');
                AppendCanonical(text, value);
            }
        }

        text.Append('}');
        var canonical = text.ToString();
        return new PinnedDefinition(name, canonical, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    /// <summary>Appends the canonical form of any JSON value, by the rules above.</summary>
    public static void AppendCanonical(StringBuilder text, JsonElement element)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    text.Append(first ? "" : ",");
                    first = false;
                    AppendString(text, property.Name);
                    text.Append(':');
                    AppendCanonical(text, property.Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    text.Append(firstItem ? "" : ",");
                    firstItem = false;
                    AppendCanonical(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, element.GetString()!);
                break;
            default:
                text.Append(element.GetRawText());
                break;
        }
    }

    /// <summary>Appends <paramref name="value"/> as a JSON string escaped as RFC 8785 does.</summary>
    public static void AppendString(StringBuilder text, string value)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(value);
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }
}
