using System.Text.Json;

namespace Portcullis.Policy.Conditions;

/// <summary>A literal from a policy condition (string, number, boolean or null), prepared once at compile time.</summary>
internal readonly struct Scalar
{
    private Scalar(OperandKind kind, string? text, NumberValue number, bool boolean)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Boolean = boolean;
    }

    public OperandKind Kind { get; }

    public string? Text { get; }

    public NumberValue Number { get; }

    public bool Boolean { get; }

    public static bool TryFrom(JsonElement element, out Scalar scalar)
    {
        scalar = element.ValueKind switch
        {
            JsonValueKind.String => new Scalar(OperandKind.String, element.GetString(), default, false),
            JsonValueKind.Number when NumberValue.TryFrom(element, out var number) => new Scalar(OperandKind.Number, null, number, false),
            JsonValueKind.True => new Scalar(OperandKind.Boolean, null, default, true),
            JsonValueKind.False => new Scalar(OperandKind.Boolean, null, default, false),
            JsonValueKind.Null => new Scalar(OperandKind.Null, null, default, false),
            _ => default,
        };
        return scalar.Kind != OperandKind.Missing;
    }

    /// <summary>True when the operand is of the same type and equal; a type mismatch is never equal.</summary>
    public bool Matches(in Operand operand)
    {
        if (operand.Kind != Kind)
        {
            return false;
        }

        return Kind switch
        {
            OperandKind.String => operand.StringEquals(Text!),
            OperandKind.Number => operand.Number.CompareTo(Number) == 0,
            OperandKind.Boolean => operand.Boolean == Boolean,
            _ => true,
        };
    }

    /// <summary>Whether <paramref name="element"/> (an array item) equals this scalar.</summary>
    public bool Matches(JsonElement element) => Matches(Operand.FromElement(element));
}
