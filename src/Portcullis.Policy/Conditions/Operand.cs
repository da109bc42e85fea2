using System.Text.Json;

namespace Portcullis.Policy.Conditions;

internal enum OperandKind
{
    Missing,
    String,
    Number,
    Boolean,
    Null,
    Array,
    Object,
}

/// <summary>
/// A value taken from a call: either a JSON element of the arguments or a string/number from
/// the call's context. Reading it never allocates except where a string must be materialised
/// (regex, ordering, length).
/// </summary>
internal readonly struct Operand
{
    private readonly string? _string;
    private readonly JsonElement _element;
    private readonly NumberValue _number;

    private Operand(OperandKind kind, string? text, JsonElement element, NumberValue number, bool boolean)
    {
        Kind = kind;
        _string = text;
        _element = element;
        _number = number;
        Boolean = boolean;
    }

    public OperandKind Kind { get; }

    public bool Boolean { get; }

    public JsonElement Element => _element;

    public static Operand Missing => default;

    public static Operand FromString(string value) => new(OperandKind.String, value, default, default, false);

    public static Operand FromNumber(decimal value) => new(OperandKind.Number, null, default, NumberValue.From(value), false);

    public static Operand FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new(OperandKind.String, null, element, default, false),
        JsonValueKind.Number => NumberValue.TryFrom(element, out var number)
            ? new(OperandKind.Number, null, element, number, false)
            : new(OperandKind.Object, null, element, default, false), // out of every numeric range: compares as nothing
        JsonValueKind.True => new(OperandKind.Boolean, null, element, default, true),
        JsonValueKind.False => new(OperandKind.Boolean, null, element, default, false),
        JsonValueKind.Null => new(OperandKind.Null, null, element, default, false),
        JsonValueKind.Array => new(OperandKind.Array, null, element, default, false),
        _ => new(OperandKind.Object, null, element, default, false),
    };

    public NumberValue Number => _number;

    /// <summary>Ordinal string equality without materialising a JSON string.</summary>
    public bool StringEquals(string value) =>
        _string is not null ? string.Equals(_string, value, StringComparison.Ordinal) : _element.ValueEquals(value);

    public string GetString() => _string ?? _element.GetString()!;
}

/// <summary>
/// A number compared exactly as a decimal where both sides fit one, else as a double, so
/// <c>10</c> equals <c>10.0</c> and large integers do not collapse together.
/// </summary>
internal readonly record struct NumberValue(bool IsDecimal, decimal Decimal, double Double)
{
    public static NumberValue From(decimal value) => new(true, value, (double)value);

    public static bool TryFrom(JsonElement element, out NumberValue value)
    {
        if (element.TryGetDecimal(out var d))
        {
            value = From(d);
            return true;
        }

        if (element.TryGetDouble(out var f) && double.IsFinite(f))
        {
            value = new NumberValue(false, 0, f);
            return true;
        }

        value = default;
        return false;
    }

    public int CompareTo(NumberValue other) =>
        IsDecimal && other.IsDecimal ? Decimal.CompareTo(other.Decimal) : Double.CompareTo(other.Double);
}
