using System.Text.Json;

namespace Portcullis.Web.Builder;

/// <summary>How a condition's value box is read and shown for each operator.</summary>
internal static class ConditionValues
{
    /// <summary>Operators whose value is a list (<c>in</c>, <c>not_in</c>) or a list of roots (<c>path_under</c>, <c>path_not_under</c>).</summary>
    public static bool TakesList(string op) => op is "in" or "not_in" or "path_under" or "path_not_under";

    /// <summary>Operators that take no value.</summary>
    public static bool TakesNoValue(string op) => op is "exists" or "not_exists";

    /// <summary>The type a scalar value is written as: operators on text take a string, <c>max_length</c> a whole number, others the argument's type.</summary>
    public static string ScalarTypeFor(string op, string argumentType) => op switch
    {
        "regex" or "glob" or "starts_with" or "ends_with" or "path_under" or "path_not_under" => "string",
        "max_length" => "integer",
        "contains" when argumentType == "array" => "",
        _ => argumentType,
    };

    /// <summary>The HTML input type for the value box: a number box for numeric values, text otherwise.</summary>
    public static string InputTypeFor(string op, string argumentType) =>
        !TakesList(op) && ScalarTypeFor(op, argumentType) is "integer" or "number" ? "number" : "text";

    /// <summary>
    /// A stored value as the value box shows it, and the type to write the box back with, so that
    /// writing it gives the same value: plain text where the argument's type reads it back, else the
    /// value's JSON with no type (a number written for a string argument stays a number).
    /// </summary>
    public static (string Text, string ValueType) Show(JsonElement? value, string op, string argumentType)
    {
        if (value is not { } element)
        {
            return ("", argumentType);
        }

        if (TakesList(op) && element.ValueKind == JsonValueKind.Array && !(op is "path_under" or "path_not_under" && element.GetArrayLength() == 1))
        {
            var items = element.EnumerateArray().ToList();
            var plain = items.Count > 0 && items.All(i => ShowsAsTyped(i, argumentType)
                && (i.ValueKind != JsonValueKind.String || (i.GetString()!.Length > 0 && i.GetString()!.Trim() == i.GetString() && !i.GetString()!.Contains(',', StringComparison.Ordinal))));
            return plain ? (string.Join(", ", items.Select(ShowScalar)), argumentType) : (element.GetRawText(), "");
        }

        return ShowsAsTyped(element, ScalarTypeFor(op, argumentType)) ? (ShowScalar(element), argumentType) : (element.GetRawText(), "");
    }

    /// <summary>Whether the box's plain text, written back with <paramref name="type"/>, gives <paramref name="element"/> again.</summary>
    private static bool ShowsAsTyped(JsonElement element, string type) => (element.ValueKind, type) switch
    {
        (JsonValueKind.String, "string") => true,
        (JsonValueKind.Number, "integer" or "number" or "") => true,
        (JsonValueKind.True or JsonValueKind.False, "boolean" or "") => true,
        (JsonValueKind.String, "") => !IsJson(element.GetString()!) && element.GetString()!.Trim() == element.GetString(),
        _ => false,
    };

    private static string ShowScalar(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    /// <summary>Whether <paramref name="text"/> is a JSON value (so a value box holding it is written as that JSON when the type is unknown).</summary>
    public static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
