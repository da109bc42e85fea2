using System.Text.Json;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading a server's <c>pinning</c> setting.</summary>
public static partial class ConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary><c>"tofu"</c> (the default), <c>"strict"</c> or <c>"off"</c>.</summary>
        public PinningMode Pinning(JsonElement server, string path)
        {
            if (!server.TryGetProperty("pinning", out var element))
            {
                return PinningMode.Tofu;
            }

            switch (element.ValueKind == JsonValueKind.String ? element.GetString() : null)
            {
                case "tofu":
                    return PinningMode.Tofu;
                case "strict":
                    return PinningMode.Strict;
                case "off":
                    return PinningMode.Off;
            }

            Error(path + "/pinning", $"{Shown(element)} is not a pinning mode; use \"tofu\" (pin each tool when first seen, the default), "
                + "\"strict\" (quarantine each tool until an operator approves it) or \"off\".");
            return PinningMode.Tofu;
        }

        private static string Shown(JsonElement element) =>
            element.ValueKind == JsonValueKind.String ? $"'{element.GetString()}'" : element.GetRawText().Length <= 40 ? element.GetRawText() : "the value";
    }
}
