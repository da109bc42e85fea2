using System.Text.Json;
using System.Text.RegularExpressions;
using Portcullis.Policy.Documents;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Portcullis.Policy.Serialization;

/// <summary>
/// Writes a <see cref="PolicyDocument"/> as YAML with the keys and values of
/// <see cref="PolicyWriter.ToJson"/>, and comments: a header, and lines above each tool's rule.
/// Parsing the output gives back an equal document.
/// </summary>
public static partial class PolicyYamlWriter
{
    /// <summary>The document as block-style YAML.</summary>
    /// <param name="document">The policy.</param>
    /// <param name="header">Comment lines written above the document, if any.</param>
    /// <param name="toolComments">Comment lines written above a tool's rule, by tool name.</param>
    public static string ToYaml(PolicyDocument document, string? header = null, IReadOnlyDictionary<string, string>? toolComments = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var json = JsonDocument.Parse(PolicyWriter.ToJson(document));
        using var text = new StringWriter();
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        if (header is not null)
        {
            EmitComment(emitter, header);
        }

        emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));
        foreach (var property in json.RootElement.EnumerateObject())
        {
            emitter.Emit(String(property.Name));
            if (property.Name == "tools" && property.Value.ValueKind == JsonValueKind.Object)
            {
                emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));
                foreach (var tool in property.Value.EnumerateObject())
                {
                    if (toolComments is not null && toolComments.TryGetValue(tool.Name, out var comment))
                    {
                        EmitComment(emitter, comment);
                    }

                    emitter.Emit(String(tool.Name));
                    EmitValue(emitter, tool.Value);
                }

                emitter.Emit(new MappingEnd());
            }
            else
            {
                EmitValue(emitter, property.Value);
            }
        }

        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void EmitValue(Emitter emitter, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                // An empty rule reads best as {} (it allows the tool).
                emitter.Emit(new MappingStart(null, null, isImplicit: true, value.EnumerateObject().Any() ? MappingStyle.Block : MappingStyle.Flow));
                foreach (var property in value.EnumerateObject())
                {
                    emitter.Emit(String(property.Name));
                    EmitValue(emitter, property.Value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonValueKind.Array:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, value.GetArrayLength() > 0 ? SequenceStyle.Block : SequenceStyle.Flow));
                foreach (var item in value.EnumerateArray())
                {
                    EmitValue(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValueKind.String:
                emitter.Emit(String(value.GetString()!));
                break;
            default:
                // Numbers, true, false and null are written as JSON writes them, which YAML reads back as the same values.
                emitter.Emit(new Scalar(null, null, value.GetRawText(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    /// <summary>A string scalar: plain when YAML cannot read it as anything but that string, double-quoted otherwise.</summary>
    private static Scalar String(string value)
    {
        var plain = PlainString().IsMatch(value) && !s_notStrings.Contains(value);
        return new Scalar(null, null, value, plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted, isPlainImplicit: plain, isQuotedImplicit: !plain);
    }

    /// <summary>
    /// One comment line per line of <paramref name="comment"/>. Comments may quote what a server
    /// wrote, so every other character YAML could read as a line break (CR, NEL, U+2028, U+2029) or
    /// that a terminal could act on (any control character) becomes a space: a comment can never
    /// end early and smuggle keys into the policy.
    /// </summary>
    private static void EmitComment(Emitter emitter, string comment)
    {
        foreach (var line in comment.Split('\n'))
        {
            var safe = string.Create(line.Length, line, static (span, text) =>
            {
                for (var i = 0; i < text.Length; i++)
                {
                    span[i] = char.IsControl(text[i]) || text[i] is '\u2028' or '\u2029' ? ' ' : text[i];
                }
            });
            emitter.Emit(new Comment(safe.TrimEnd(), isInline: false));
        }
    }

    /// <summary>Words YAML 1.1 or 1.2 reads as booleans or null.</summary>
    private static readonly HashSet<string> s_notStrings = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    /// <summary>Starts with a letter or underscore, holds only letters, digits, '_', '-' and '.': never a number, never YAML syntax.</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainString();
}
