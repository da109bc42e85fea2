using System.Text.Json;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// Finds two property names of one object that a case-insensitive JSON reader would take for
/// the same name (<c>name</c> and <c>Name</c>, or <c>params</c> and <c>paramſ</c>, which Go's
/// <c>encoding/json</c> folds together). The gateway reads names exactly; a server or client that
/// folds them could act on the other one, so such a message is refused rather than relayed.
/// </summary>
internal static class FoldedNames
{
    /// <summary>
    /// The first name that collides with an earlier one of its object, or null. Objects nested
    /// deeper than <paramref name="deepestChecked"/> are not looked at. The text must already be
    /// known to be JSON no deeper than <paramref name="maxDepth"/>.
    /// </summary>
    public static string? FindCollision(ReadOnlySpan<byte> json, int maxDepth, int deepestChecked = int.MaxValue)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        var objects = new Stack<HashSet<string>?>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    objects.Push(null);
                    break;
                case JsonTokenType.EndObject:
                    objects.Pop();
                    break;
                case JsonTokenType.PropertyName when objects.Count <= deepestChecked:
                    var name = reader.GetString()!;
                    var names = objects.Pop() ?? new HashSet<string>(StringComparer.Ordinal);
                    objects.Push(names);
                    if (!names.Add(Fold(name)))
                    {
                        return name;
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
}
