using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Portcullis.Policy.Parsing;

/// <summary>
/// Reads YAML into a <see cref="SourceNode"/> tree. Plain scalars are typed by the YAML 1.2 core
/// schema (null, booleans, decimal numbers); quoted scalars are always strings. Aliases are
/// refused (they allow exponential documents), as are documents nested deeper than JSON allows.
/// </summary>
internal static partial class YamlSourceReader
{
    public static SourceNode? Read(string text, ICollection<PolicyError> errors, string emptyHint)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                errors.Add(new PolicyError("", new SourcePosition(1, 1), "The document is empty.", emptyHint));
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadValue(parser, depth: 1);
            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _))
            {
                errors.Add(new PolicyError("", PositionOf(parser.Current!.Start),
                    "The file holds more than one YAML document.", "A file holds exactly one document."));
                return null;
            }

            return root;
        }
        catch (YamlException e)
        {
            errors.Add(new PolicyError("", PositionOf(e.Start), "The document is not valid YAML: " + e.Message.Split('\n')[0]));
            return null;
        }
    }

    private static SourceNode ReadValue(IParser parser, int depth)
    {
        var current = parser.Current!;
        var position = PositionOf(current.Start);
        if (depth > JsonSourceReader.MaxDepth)
        {
            throw new YamlException(current.Start, current.End, $"Nesting deeper than {JsonSourceReader.MaxDepth} levels is not allowed.");
        }

        switch (current)
        {
            case MappingStart:
                parser.MoveNext();
                var properties = new List<SourceProperty>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = parser.Current!;
                    if (key is not Scalar keyScalar)
                    {
                        throw new YamlException(key.Start, key.End, "Only plain string keys are allowed.");
                    }

                    parser.MoveNext();
                    properties.Add(new SourceProperty(keyScalar.Value, PositionOf(keyScalar.Start), ReadValue(parser, depth + 1)));
                }

                return SourceNode.Object(properties, position);
            case SequenceStart:
                parser.MoveNext();
                var items = new List<SourceNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadValue(parser, depth + 1));
                }

                return SourceNode.Array(items, position);
            case Scalar scalar:
                parser.MoveNext();
                return scalar.Style == ScalarStyle.Plain ? ResolvePlain(scalar.Value, position) : SourceNode.String(scalar.Value, position);
            case AnchorAlias:
                throw new YamlException(current.Start, current.End, "YAML aliases (*name) are not supported in policies.");
            default:
                throw new YamlException(current.Start, current.End, $"Unexpected YAML event {current.GetType().Name}.");
        }
    }

    private static SourceNode ResolvePlain(string value, SourcePosition position)
    {
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return SourceNode.Null(position);
            case "true" or "True" or "TRUE":
                return SourceNode.Boolean(true, position);
            case "false" or "False" or "FALSE":
                return SourceNode.Boolean(false, position);
        }

        if (YamlNumber().IsMatch(value)
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            var text = JsonNumber().IsMatch(value) ? value : number.ToString("R", CultureInfo.InvariantCulture);
            return SourceNode.Number(text, position);
        }

        return SourceNode.String(value, position);
    }

    private static SourcePosition PositionOf(Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlNumber();

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
