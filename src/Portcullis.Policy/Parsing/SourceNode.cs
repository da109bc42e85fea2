namespace Portcullis.Policy.Parsing;

/// <summary>The kind of value a <see cref="SourceNode"/> holds, independent of the source format.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name",
    Justification = "The kinds are JSON's own names for its values, as in System.Text.Json's JsonValueKind.")]
public enum SourceNodeKind
{
    /// <summary>A JSON object or YAML mapping; see <see cref="SourceNode.Properties"/>.</summary>
    Object,

    /// <summary>A JSON array or YAML sequence; see <see cref="SourceNode.Items"/>.</summary>
    Array,

    /// <summary>A string; see <see cref="SourceNode.Text"/>.</summary>
    String,

    /// <summary>A number, kept as its JSON text in <see cref="SourceNode.Text"/>.</summary>
    Number,

    /// <summary>true or false; see <see cref="SourceNode.BooleanValue"/>.</summary>
    Boolean,

    /// <summary>null.</summary>
    Null,
}

/// <summary>
/// One value of a document as read from JSON or YAML, with the place it came from.
/// Both formats are read into this tree so one binder validates them identically and every
/// error can name a line and column. <see cref="SourceReader"/> builds it.
/// </summary>
public sealed class SourceNode
{
    private SourceNode(SourceNodeKind kind, SourcePosition position)
    {
        Kind = kind;
        Position = position;
    }

    /// <summary>What kind of value this is.</summary>
    public SourceNodeKind Kind { get; }

    /// <summary>Where the value starts.</summary>
    public SourcePosition Position { get; }

    /// <summary>The string's value, or the number's original text.</summary>
    public string? Text { get; private init; }

    /// <summary>The boolean's value.</summary>
    public bool BooleanValue { get; private init; }

    /// <summary>The object's keys and values in document order, repeated keys included.</summary>
    public IReadOnlyList<SourceProperty> Properties { get; private init; } = [];

    /// <summary>The array's items in document order.</summary>
    public IReadOnlyList<SourceNode> Items { get; private init; } = [];

    internal static SourceNode String(string value, SourcePosition position) =>
        new(SourceNodeKind.String, position) { Text = value };

    internal static SourceNode Number(string text, SourcePosition position) =>
        new(SourceNodeKind.Number, position) { Text = text };

    internal static SourceNode Boolean(bool value, SourcePosition position) =>
        new(SourceNodeKind.Boolean, position) { BooleanValue = value };

    internal static SourceNode Null(SourcePosition position) => new(SourceNodeKind.Null, position);

    internal static SourceNode Object(IReadOnlyList<SourceProperty> properties, SourcePosition position) =>
        new(SourceNodeKind.Object, position) { Properties = properties };

    internal static SourceNode Array(IReadOnlyList<SourceNode> items, SourcePosition position) =>
        new(SourceNodeKind.Array, position) { Items = items };

    /// <summary>The kind with its article, as errors name it: "an object", "a string", "null".</summary>
    public string KindName => NameOf(Kind);

    /// <summary><paramref name="kind"/> with its article, as errors name it.</summary>
    public static string NameOf(SourceNodeKind kind) => kind switch
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
/// <param name="Name">The key.</param>
/// <param name="NamePosition">Where the key is written.</param>
/// <param name="Value">The key's value.</param>
public sealed record SourceProperty(string Name, SourcePosition NamePosition, SourceNode Value);
