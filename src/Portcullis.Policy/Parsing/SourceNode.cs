namespace Portcullis.Policy.Parsing;

/// <summary>The kind of value a <see cref="SourceNode"/> holds, independent of the source format.</summary>
internal enum SourceNodeKind
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>
/// One value of a policy document as read from JSON or YAML, with the place it came from.
/// Both formats are read into this tree so one binder validates them identically and every
/// error can name a line and column.
/// </summary>
internal sealed class SourceNode
{
    private SourceNode(SourceNodeKind kind, SourcePosition position)
    {
        Kind = kind;
        Position = position;
    }

    public SourceNodeKind Kind { get; }

    public SourcePosition Position { get; }

    /// <summary>The string's value, or the number's original text.</summary>
    public string? Text { get; private init; }

    public bool BooleanValue { get; private init; }

    public IReadOnlyList<SourceProperty> Properties { get; private init; } = [];

    public IReadOnlyList<SourceNode> Items { get; private init; } = [];

    public static SourceNode String(string value, SourcePosition position) =>
        new(SourceNodeKind.String, position) { Text = value };

    public static SourceNode Number(string text, SourcePosition position) =>
        new(SourceNodeKind.Number, position) { Text = text };

    public static SourceNode Boolean(bool value, SourcePosition position) =>
        new(SourceNodeKind.Boolean, position) { BooleanValue = value };

    public static SourceNode Null(SourcePosition position) => new(SourceNodeKind.Null, position);

    public static SourceNode Object(IReadOnlyList<SourceProperty> properties, SourcePosition position) =>
        new(SourceNodeKind.Object, position) { Properties = properties };

    public static SourceNode Array(IReadOnlyList<SourceNode> items, SourcePosition position) =>
        new(SourceNodeKind.Array, position) { Items = items };

    public string KindName => Kind switch
    {
        SourceNodeKind.Object => "an object",
        SourceNodeKind.Array => "an array",
        SourceNodeKind.String => "a string",
        SourceNodeKind.Number => "a number",
        SourceNodeKind.Boolean => "a boolean",
        _ => "null",
    };
}

/// <summary>A key of an object node with its value; the key keeps its own position for "unknown key" errors.</summary>
internal sealed record SourceProperty(string Name, SourcePosition NamePosition, SourceNode Value);
