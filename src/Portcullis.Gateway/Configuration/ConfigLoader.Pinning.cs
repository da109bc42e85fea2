using System.Text.Encodings.Web;
using System.Text.Json;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading a server's <c>pinning</c> setting.</summary>
internal static partial class ConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary><c>"tofu"</c> (the default), <c>"strict"</c> or <c>"off"</c>.</summary>
        private PinningMode Pinning(SourceNode node, string path)
        {
            switch (node.Kind == SourceNodeKind.String ? node.Text : null)
            {
                case "tofu":
                    return PinningMode.Tofu;
                case "strict":
                    return PinningMode.Strict;
                case "off":
                    return PinningMode.Off;
            }

            var shown = node.Kind == SourceNodeKind.String ? $"'{node.Text}'" : OneLine(node) is { Length: <= 40 } text ? text : "the value";
            Error(path, node, $"{shown} is not a pinning mode; use \"tofu\" (pin each tool when first seen, the default), "
                + "\"strict\" (quarantine each tool until an operator approves it) or \"off\".");
            return PinningMode.Tofu;
        }

        /// <summary>A value as JSON on one line, spaced as people write it: <c>{"mode": "strict"}</c>.</summary>
        private static string OneLine(SourceNode node) => node.Kind switch
        {
            SourceNodeKind.Object => "{" + string.Join(", ", node.Properties.Select(p => Quoted(p.Name) + ": " + OneLine(p.Value))) + "}",
            SourceNodeKind.Array => "[" + string.Join(", ", node.Items.Select(OneLine)) + "]",
            SourceNodeKind.String => Quoted(node.Text!),
            SourceNodeKind.Number => node.Text!,
            SourceNodeKind.Boolean => node.BooleanValue ? "true" : "false",
            _ => "null",
        };

        private static string Quoted(string text) => "\"" + JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";
    }
}
