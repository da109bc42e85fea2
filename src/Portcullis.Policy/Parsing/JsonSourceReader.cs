using System.Text;
using System.Text.Json;

namespace Portcullis.Policy.Parsing;

/// <summary>
/// Reads JSON into a <see cref="SourceNode"/> tree with line and column for every value.
/// <see cref="JsonDocument"/> does not keep positions, so this walks a <see cref="Utf8JsonReader"/>
/// and maps byte offsets to lines.
/// </summary>
internal static class JsonSourceReader
{
    public const int MaxDepth = 64;

    public static SourceNode? Read(string text, ICollection<PolicyError> errors, string emptyHint)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new LineIndex(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            MaxDepth = MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        try
        {
            if (!reader.Read())
            {
                errors.Add(new PolicyError("", new SourcePosition(1, 1), "The document is empty.", emptyHint));
                return null;
            }

            var root = ReadValue(ref reader, lines);
            if (reader.Read())
            {
                errors.Add(new PolicyError("", lines.PositionOf(reader.TokenStartIndex),
                    "Unexpected content after the end of the document.", "A file holds exactly one JSON value."));
                return null;
            }

            return root;
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            errors.Add(new PolicyError("", new SourcePosition(line, column), "The document is not valid JSON: " + FirstSentence(e.Message)));
            return null;
        }
    }

    private static SourceNode ReadValue(ref Utf8JsonReader reader, LineIndex lines)
    {
        var position = lines.PositionOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var properties = new List<SourceProperty>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var namePosition = lines.PositionOf(reader.TokenStartIndex);
                    var name = reader.GetString()!;
                    reader.Read();
                    properties.Add(new SourceProperty(name, namePosition, ReadValue(ref reader, lines)));
                }

                return SourceNode.Object(properties, position);
            case JsonTokenType.StartArray:
                var items = new List<SourceNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines));
                }

                return SourceNode.Array(items, position);
            case JsonTokenType.String:
                return SourceNode.String(reader.GetString()!, position);
            case JsonTokenType.Number:
                return SourceNode.Number(Encoding.UTF8.GetString(reader.ValueSpan), position);
            case JsonTokenType.True:
                return SourceNode.Boolean(true, position);
            case JsonTokenType.False:
                return SourceNode.Boolean(false, position);
            default:
                return SourceNode.Null(position);
        }
    }

    /// <summary>The reader's explanation without the place it appends (" LineNumber: … | BytePositionInLine: …", " Path: …"), which the error's position already gives.</summary>
    private static string FirstSentence(string message)
    {
        foreach (var marker in (ReadOnlySpan<string>)[" LineNumber:", " Path:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message;
    }

    /// <summary>Maps a byte offset to a 1-based line and a 1-based column counted in characters.</summary>
    private sealed class LineIndex
    {
        private readonly byte[] _bytes;
        private readonly List<int> _lineStarts = [0];

        public LineIndex(byte[] bytes)
        {
            _bytes = bytes;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public SourcePosition PositionOf(long offset)
        {
            var index = _lineStarts.BinarySearch((int)offset);
            var line = index >= 0 ? index : ~index - 1;
            var start = _lineStarts[line];
            var column = Encoding.UTF8.GetCharCount(_bytes, start, (int)offset - start) + 1;
            return new SourcePosition(line + 1, column);
        }
    }
}
