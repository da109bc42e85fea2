using System.Text;
using System.Text.Json;

namespace Portcullis.Gateway.Protocol;

/// <summary>
/// Finds two property names of one object that a case-insensitive JSON reader would take for
/// the same name (<c>name</c> and <c>Name</c>, or <c>params</c> and <c>paramſ</c>, which Go's
/// <c>encoding/json</c> folds together). The gateway reads names exactly; a server or client that
/// folds them could act on the other one, so such a message is refused rather than relayed.
/// Every message passes here, so plain ASCII names are compared in place without allocating;
/// an object with many names is checked through a set, so a hostile one costs linear time.
/// </summary>
internal static class FoldedNames
{
    /// <summary>Up to this many names an object's names are compared pairwise; past it through a set.</summary>
    private const int PairwiseLimit = 16;

    // Reused by each thread's next message: the walk is synchronous, so no two walks share them.
    [ThreadStatic]
    private static List<Name>? t_names;

    [ThreadStatic]
    private static List<OpenObject>? t_objects;

    /// <summary>
    /// The first name that collides with an earlier one of its object, or null. Objects nested
    /// deeper than <paramref name="deepestChecked"/> are not looked at. The text must already be
    /// known to be JSON no deeper than <paramref name="maxDepth"/>.
    /// </summary>
    public static string? FindCollision(ReadOnlySpan<byte> json, int maxDepth, int deepestChecked = int.MaxValue)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        var names = t_names ??= [];
        var objects = t_objects ??= [];
        names.Clear();
        objects.Clear();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    objects.Add(new OpenObject(names.Count, null));
                    break;
                case JsonTokenType.EndObject:
                    var closed = objects[^1];
                    objects.RemoveAt(objects.Count - 1);
                    names.RemoveRange(closed.FirstName, names.Count - closed.FirstName);
                    break;
                case JsonTokenType.PropertyName when objects.Count <= deepestChecked:
                    var name = Name.Read(ref reader);
                    var open = objects[^1];
                    if (open.Folded is { } folded)
                    {
                        if (!folded.Add(name.Folded(json)))
                        {
                            return name.Text(json);
                        }

                        break;
                    }

                    for (var i = open.FirstName; i < names.Count; i++)
                    {
                        if (names[i].SameAs(name, json))
                        {
                            return name.Text(json);
                        }
                    }

                    names.Add(name);
                    if (names.Count - open.FirstName > PairwiseLimit)
                    {
                        var set = new HashSet<string>(StringComparer.Ordinal);
                        for (var i = open.FirstName; i < names.Count; i++)
                        {
                            set.Add(names[i].Folded(json));
                        }

                        objects[^1] = open with { Folded = set };
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>The name as a case-insensitive reader compares it: lower case, with the letters Unicode folds onto ASCII ones mapped too.</summary>
    private static string Fold(string name)
    {
        return string.Create(name.Length, name, static (folded, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                folded[i] = source[i] switch
                {
                    '\u017F' => 's', // LATIN SMALL LETTER LONG S
                    '\u212A' => 'k', // KELVIN SIGN
                    '\u212B' => '\u00E5', // ANGSTROM SIGN
                    var c => char.ToLowerInvariant(c),
                };
            }
        });
    }

    /// <summary>An object whose end has not been read: where its names start in the list, and their set once it has many.</summary>
    private readonly record struct OpenObject(int FirstName, HashSet<string>? Folded);

    /// <summary>A property name: plain ASCII as it stands in the text (no allocation), or anything else read and folded.</summary>
    private readonly record struct Name(int Start, int Length, string? Original, string? FoldedText)
    {
        public static Name Read(ref Utf8JsonReader reader)
        {
            var raw = reader.ValueSpan;
            if (!reader.ValueIsEscaped && Ascii.IsValid(raw))
            {
                return new Name((int)reader.TokenStartIndex + 1, raw.Length, null, null);
            }

            var text = reader.GetString()!;
            return new Name(0, 0, text, Fold(text));
        }

        public bool SameAs(Name other, ReadOnlySpan<byte> json) =>
            FoldedText is null && other.FoldedText is null
                ? Ascii.EqualsIgnoreCase(json.Slice(Start, Length), json.Slice(other.Start, other.Length))
                : Folded(json) == other.Folded(json);

        public string Folded(ReadOnlySpan<byte> json) => FoldedText ?? Fold(Encoding.ASCII.GetString(json.Slice(Start, Length)));

        public string Text(ReadOnlySpan<byte> json) => Original ?? Encoding.ASCII.GetString(json.Slice(Start, Length));
    }
}
