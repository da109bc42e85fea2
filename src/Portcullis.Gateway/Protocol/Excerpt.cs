namespace Portcullis.Gateway.Protocol;

/// <summary>Text someone else sent (a name, an origin, a media type), cut to a length fit for an error message or a log line.</summary>
internal static class Excerpt
{
    public static string Of(string text, int maxLength) => text.Length > maxLength ? text[..maxLength] + "…" : text;
}
