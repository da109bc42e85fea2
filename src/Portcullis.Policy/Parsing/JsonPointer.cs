namespace Portcullis.Policy.Parsing;

/// <summary>Builds RFC 6901 JSON Pointers, the form of rule ids and error paths.</summary>
public static class JsonPointer
{
    /// <summary><paramref name="parent"/> with one more key, <c>~</c> and <c>/</c> escaped.</summary>
    public static string Append(string parent, string token) =>
        parent + "/" + token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary><paramref name="parent"/> with one more array index.</summary>
    public static string Append(string parent, int index) =>
        parent + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
