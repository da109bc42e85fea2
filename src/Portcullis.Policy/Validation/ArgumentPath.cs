using System.Globalization;
using System.Text;
using System.Text.Json;
using Json.Pointer;

namespace Portcullis.Policy.Validation;

/// <summary>
/// Turns a JSON Pointer into the arguments (<c>/items/0/name</c>) into a JSON path
/// (<c>$.items[0].name</c>), looking at the arguments themselves to tell an array index from an
/// object key that happens to be digits.
/// </summary>
internal static class ArgumentPath
{
    public static string Format(JsonPointer pointer, JsonElement arguments)
    {
        var text = new StringBuilder("$");
        var current = arguments;
        foreach (var name in pointer)
        {
            if (current.ValueKind == JsonValueKind.Array && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                text.Append('[').Append(index).Append(']');
                current = index < current.GetArrayLength() ? current[index] : default;
                continue;
            }

            if (IsIdentifier(name))
            {
                text.Append('.').Append(name);
            }
            else
            {
                text.Append("['").Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
            }

            current = current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var child) ? child : default;
        }

        return text.ToString();
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or '$')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-');
}
