using System.Text.Json;

namespace Portcullis.Gateway.Protocol;

/// <summary>Strings read from JSON that came from a peer, which may hold text that is not valid Unicode.</summary>
internal static class JsonStrings
{
    /// <summary>The string value of <paramref name="element"/>; false when it is not valid Unicode (an unpaired surrogate), which <see cref="JsonElement.GetString"/> refuses.</summary>
    public static bool TryGet(JsonElement element, out string value)
    {
        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return false;
        }
    }
}
