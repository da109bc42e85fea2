using System.Collections.Immutable;
using System.Text.Json;

namespace Portcullis.Policy.Conditions;

/// <summary>Where a condition's value comes from.</summary>
internal enum PathRoot
{
    Args,
    ToolName,
    GrantName,
    GrantLabel,
    SessionId,
    TimeHour,
    TimeWeekday,
}

/// <summary>One step into the arguments: a property name or an array index.</summary>
internal readonly record struct PathSegment(string? Property, int Index);

/// <summary>
/// A parsed condition path such as <c>args.files[0].path</c> or <c>grant.labels.team</c>,
/// resolved against a call without allocating.
/// </summary>
internal sealed class ConditionPath
{
    private static readonly string[] s_weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private ConditionPath(string text, PathRoot root, ImmutableArray<PathSegment> segments, string? label)
    {
        Text = text;
        Root = root;
        Segments = segments;
        Label = label;
    }

    public string Text { get; }

    public PathRoot Root { get; }

    public ImmutableArray<PathSegment> Segments { get; }

    public string? Label { get; }

    public static IReadOnlyList<string> Weekdays => s_weekdays;

    public static bool TryParse(string text, out ConditionPath path, out string error)
    {
        path = null!;
        error = "";
        switch (text)
        {
            case "tool.name":
                path = new ConditionPath(text, PathRoot.ToolName, [], null);
                return true;
            case "grant.name":
                path = new ConditionPath(text, PathRoot.GrantName, [], null);
                return true;
            case "session.id":
                path = new ConditionPath(text, PathRoot.SessionId, [], null);
                return true;
            case "time.hour":
                path = new ConditionPath(text, PathRoot.TimeHour, [], null);
                return true;
            case "time.weekday":
                path = new ConditionPath(text, PathRoot.TimeWeekday, [], null);
                return true;
        }

        const string labelsPrefix = "grant.labels.";
        if (text.StartsWith(labelsPrefix, StringComparison.Ordinal) && text.Length > labelsPrefix.Length)
        {
            path = new ConditionPath(text, PathRoot.GrantLabel, [], text[labelsPrefix.Length..]);
            return true;
        }

        if (text == "args" || text.StartsWith("args.", StringComparison.Ordinal) || text.StartsWith("args[", StringComparison.Ordinal))
        {
            if (!TryParseSegments(text, 4, out var segments, out error))
            {
                return false;
            }

            path = new ConditionPath(text, PathRoot.Args, segments, null);
            return true;
        }

        error = $"Unknown path '{text}'.";
        return false;
    }

    private static bool TryParseSegments(string text, int start, out ImmutableArray<PathSegment> segments, out string error)
    {
        var builder = ImmutableArray.CreateBuilder<PathSegment>();
        var i = start;
        error = "";
        segments = [];
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != '.' && text[end] != '[')
                {
                    end++;
                }

                if (end == i + 1)
                {
                    error = $"Empty property name at character {i + 1} of '{text}'.";
                    return false;
                }

                builder.Add(new PathSegment(text[(i + 1)..end], -1));
                i = end;
            }
            else if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0)
                {
                    error = $"Unclosed '[' at character {i + 1} of '{text}'.";
                    return false;
                }

                var inner = text[(i + 1)..close];
                if (inner.Length >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[^1] == inner[0])
                {
                    builder.Add(new PathSegment(inner[1..^1], -1));
                }
                else if (int.TryParse(inner, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    builder.Add(new PathSegment(null, index));
                }
                else
                {
                    error = $"'[{inner}]' in '{text}' is neither an array index nor a quoted property name.";
                    return false;
                }

                i = close + 1;
            }
            else
            {
                error = $"Unexpected '{text[i]}' at character {i + 1} of '{text}'.";
                return false;
            }
        }

        segments = builder.ToImmutable();
        return true;
    }

    public Operand Resolve(in EvaluationContext context)
    {
        switch (Root)
        {
            case PathRoot.ToolName:
                return Operand.FromString(context.Call.ToolName);
            case PathRoot.GrantName:
                return Operand.FromString(context.Call.Grant.Name);
            case PathRoot.GrantLabel:
                return context.Call.Grant.Labels.TryGetValue(Label!, out var label) ? Operand.FromString(label) : Operand.Missing;
            case PathRoot.SessionId:
                return context.Call.SessionId is { } session ? Operand.FromString(session) : Operand.Missing;
            case PathRoot.TimeHour:
                return Operand.FromNumber(context.Call.Time.UtcDateTime.Hour);
            case PathRoot.TimeWeekday:
                return Operand.FromString(s_weekdays[(int)context.Call.Time.UtcDateTime.DayOfWeek]);
        }

        var element = context.Call.Arguments;
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            return Operand.Missing;
        }

        foreach (var segment in Segments)
        {
            if (segment.Property is { } property)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out element))
                {
                    return Operand.Missing;
                }
            }
            else if (element.ValueKind != JsonValueKind.Array || segment.Index >= element.GetArrayLength())
            {
                return Operand.Missing;
            }
            else
            {
                element = element[segment.Index];
            }
        }

        return Operand.FromElement(element);
    }
}
