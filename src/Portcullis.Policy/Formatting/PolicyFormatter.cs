using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Portcullis.Policy.Parsing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using CommentToken = YamlDotNet.Core.Tokens.Comment;

namespace Portcullis.Policy.Formatting;

/// <summary>
/// Writes a valid policy in canonical form, in the format it came in: keys in the order of the
/// policy reference (<c>version, default, mode, audit_args, hide, all_tools, tools</c>; in a rule
/// <c>action, reason, require, deny_if, rate_limit, limits, approval, validate_args</c>; and so on
/// down), tools sorted by name, two-space indentation, values exactly as written (<c>"10m"</c>
/// stays <c>"10m"</c>, defaults are not added). JSON schemas under <c>validate_args</c> and
/// condition values keep their own key order. In YAML, a list or mapping that holds only scalars
/// (or lists of scalars) is written on one line in flow style, everything else in block style.
/// </summary>
/// <remarks>
/// YAML comments: the comment block at the top of a file is kept as it is. YamlDotNet reads
/// comments only as tokens, unattached to the values they describe, so comments anywhere else
/// cannot be carried over to a reordered document; formatting such a file is refused unless the
/// caller asks for the comments to be dropped.
/// </remarks>
public static class PolicyFormatter
{
    private static readonly string[] s_rootKeys = ["version", "default", "mode", "audit_args", "hide", "all_tools", "tools"];
    private static readonly string[] s_ruleKeys = ["action", "reason", "require", "deny_if", "rate_limit", "limits", "approval", "validate_args"];
    private static readonly string[] s_conditionKeys = ["path", "op", "value"];
    private static readonly string[] s_denyIfKeys = ["conditions", "on_deny"];
    private static readonly string[] s_rateLimitKeys = ["max", "window", "scope", "counter", "algorithm"];
    private static readonly string[] s_limitKeys = ["counter", "window", "max", "scope", "increment_from", "algorithm"];
    private static readonly string[] s_approvalKeys = ["when", "timeout", "on_timeout", "remember", "webhook"];
    private static readonly string[] s_webhookKeys = ["url", "secret", "allow_private"];

    private static readonly JsonWriterOptions s_json = new() { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The canonical text of <paramref name="text"/>, or its errors. A YAML file with comments below
    /// its opening comment block is refused unless <paramref name="dropComments"/>.
    /// </summary>
    public static PolicyFormatResult Format(string text, PolicyFormat format, bool dropComments = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<PolicyError>();
        var root = SourceReader.Read(text, format, errors, PolicyParser.StartHint(format));
        if (root is not null)
        {
            PolicyBinder.Bind(root, errors);
        }

        if (errors.Count > 0 || root is null)
        {
            return new PolicyFormatResult(null, [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)]);
        }

        var canonical = Reorder(root, Shape.Root);
        if (format == PolicyFormat.Json)
        {
            return new PolicyFormatResult(WriteJson(canonical), []);
        }

        var header = HeaderComments(text, out var headerLines);
        if (!dropComments && FirstCommentBelow(text, headerLines) is { } comment)
        {
            return new PolicyFormatResult(null,
            [
                new PolicyError("", comment, "The file has comments below its opening comment block, which formatting cannot keep in place.",
                    "Move them into the comment block at the top of the file, which is kept, or drop them explicitly."),
            ]) { LostComment = comment };
        }

        return new PolicyFormatResult(header + WriteYaml(canonical), []);
    }

    /// <summary>Where each kind of object sits in a policy, to know its key order.</summary>
    private enum Shape
    {
        Root,
        Tools,
        Rule,
        Conditions,
        Condition,
        DenyIf,
        DenyIfBlock,
        RateLimit,
        Limits,
        Limit,
        Approval,
        Webhook,
        AsWritten,
    }

    private static SourceNode Reorder(SourceNode node, Shape shape)
    {
        if (node.Kind == SourceNodeKind.Array)
        {
            var itemShape = shape switch
            {
                Shape.Conditions => Shape.Condition,
                Shape.DenyIf => Shape.DenyIfBlock,
                Shape.Limits => Shape.Limit,
                _ => Shape.AsWritten,
            };
            return SourceNode.Array([.. node.Items.Select(item => Reorder(item, itemShape))], node.Position);
        }

        if (node.Kind != SourceNodeKind.Object || shape == Shape.AsWritten)
        {
            return node;
        }

        if (shape == Shape.Tools)
        {
            return SourceNode.Object([.. node.Properties.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p with { Value = Reorder(p.Value, Shape.Rule) })],
                node.Position);
        }

        var order = shape switch
        {
            Shape.Root => s_rootKeys,
            Shape.Rule => s_ruleKeys,
            Shape.Condition => s_conditionKeys,
            Shape.DenyIfBlock => s_denyIfKeys,
            Shape.RateLimit => s_rateLimitKeys,
            Shape.Limit => s_limitKeys,
            Shape.Approval => s_approvalKeys,
            _ => s_webhookKeys,
        };
        var properties = node.Properties
            .OrderBy(p => Array.IndexOf(order, p.Name))
            .Select(p => p with { Value = Reorder(p.Value, ChildShape(shape, p.Name)) });
        return SourceNode.Object([.. properties], node.Position);
    }

    private static Shape ChildShape(Shape parent, string key) => (parent, key) switch
    {
        (Shape.Root, "tools") => Shape.Tools,
        (Shape.Root, "all_tools") => Shape.Rule,
        (Shape.Rule, "require") => Shape.Conditions,
        (Shape.Rule, "deny_if") => Shape.DenyIf,
        (Shape.Rule, "rate_limit") => Shape.RateLimit,
        (Shape.Rule, "limits") => Shape.Limits,
        (Shape.Rule, "approval") => Shape.Approval,
        (Shape.DenyIfBlock, "conditions") => Shape.Conditions,
        (Shape.Approval, "when") => Shape.Conditions,
        (Shape.Approval, "webhook") => Shape.Webhook,
        _ => Shape.AsWritten,
    };

    private static string WriteJson(SourceNode root)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_json))
        {
            SourceNodeJson.Write(writer, root);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string WriteYaml(SourceNode root)
    {
        var output = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(output, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024,
            skipAnchorName: false, indentSequences: true, newLine: "\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        WriteYaml(emitter, root, flow: false);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return output.ToString();
    }

    private static void WriteYaml(IEmitter emitter, SourceNode node, bool flow)
    {
        switch (node.Kind)
        {
            case SourceNodeKind.Object:
                var flowMapping = flow || IsFlat(node);
                emitter.Emit(new MappingStart(null, null, isImplicit: true, flowMapping ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var property in node.Properties)
                {
                    emitter.Emit(StringScalar(property.Name));
                    WriteYaml(emitter, property.Value, flowMapping);
                }

                emitter.Emit(new MappingEnd());
                break;
            case SourceNodeKind.Array:
                var flowSequence = flow || IsFlat(node);
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, flowSequence ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in node.Items)
                {
                    WriteYaml(emitter, item, flowSequence);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case SourceNodeKind.String:
                emitter.Emit(StringScalar(node.Text!));
                break;
            case SourceNodeKind.Number:
                emitter.Emit(new Scalar(null, null, node.Text!, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case SourceNodeKind.Boolean:
                emitter.Emit(new Scalar(null, null, node.BooleanValue ? "true" : "false", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    /// <summary>A collection of scalars, or a mapping of scalars and lists of scalars: short enough for one line.</summary>
    private static bool IsFlat(SourceNode node) => node.Kind switch
    {
        SourceNodeKind.Array => node.Items.All(IsScalar),
        SourceNodeKind.Object => node.Properties.All(p => IsScalar(p.Value) || (p.Value.Kind == SourceNodeKind.Array && p.Value.Items.All(IsScalar))),
        _ => true,
    };

    private static bool IsScalar(SourceNode node) => node.Kind is not (SourceNodeKind.Object or SourceNodeKind.Array);

    /// <summary>
    /// A string, quoted when a plain scalar would read as something else: null, a boolean or a
    /// number here, or a YAML 1.1 boolean (<c>yes</c>, <c>off</c>) to other tools.
    /// </summary>
    private static Scalar StringScalar(string text)
    {
        var errors = new List<PolicyError>();
        var readsAsString = YamlSourceReader.Read(text, errors, emptyHint: "") is { Kind: SourceNodeKind.String } read && read.Text == text && errors.Count == 0;
        var ambiguous = text.ToLowerInvariant() is "yes" or "no" or "on" or "off" or "y" or "n";
        return readsAsString && !ambiguous && !text.Contains('\n', StringComparison.Ordinal)
            ? new Scalar(null, null, text, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true)
            : new Scalar(null, null, text, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true);
    }

    /// <summary>The comment lines (and blank lines between them) at the top of the file, with a line break after; empty when there are none.</summary>
    private static string HeaderComments(string text, out int lines)
    {
        var all = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        lines = 0;
        while (lines < all.Length && (all[lines].TrimStart().StartsWith('#') || all[lines].Trim().Length == 0))
        {
            lines++;
        }

        var kept = all.Take(lines).Select(l => l.TrimEnd()).ToList();
        while (kept.Count > 0 && kept[^1].Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        return kept.Count == 0 ? "" : string.Join("\n", kept) + "\n";
    }

    /// <summary>Where the first comment after the first <paramref name="headerLines"/> lines is; null when there is none.</summary>
    private static SourcePosition? FirstCommentBelow(string text, int headerLines)
    {
        var scanner = new Scanner(new StringReader(text), skipComments: false);
        while (scanner.MoveNext())
        {
            if (scanner.Current is CommentToken comment && comment.Start.Line > headerLines)
            {
                return new SourcePosition((int)comment.Start.Line, (int)comment.Start.Column);
            }
        }

        return null;
    }
}
