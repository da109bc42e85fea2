using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Portcullis.Policy.Tests.Properties;

internal sealed record GeneratedCondition(string Path, string Op, string? ValueJson)
{
    public string ToJson() => ValueJson is null
        ? $$"""{"path":"{{Path}}","op":"{{Op}}"}"""
        : $$"""{"path":"{{Path}}","op":"{{Op}}","value":{{ValueJson}}}""";
}

internal sealed record GeneratedDenyIf(GeneratedCondition[] Conditions, string? OnDeny)
{
    public string ToJson() => OnDeny is null
        ? $$"""{"conditions":[{{Join(Conditions.Select(c => c.ToJson()))}}]}"""
        : $$"""{"conditions":[{{Join(Conditions.Select(c => c.ToJson()))}}],"on_deny":"{{OnDeny}}"}""";

    private static string Join(IEnumerable<string> parts) => string.Join(",", parts);
}

internal sealed record GeneratedTool(string Name, string? Action, GeneratedCondition[] Require, GeneratedDenyIf[] DenyIf,
    int? LimitWindowSeconds, GeneratedCondition[]? ApprovalWhen)
{
    public string ToJson(GeneratedDenyIf? extra = null)
    {
        var parts = new List<string>();
        if (Action is not null)
        {
            parts.Add($"\"action\":\"{Action}\"");
        }

        if (Require.Length > 0)
        {
            parts.Add($"\"require\":[{string.Join(",", Require.Select(c => c.ToJson()))}]");
        }

        var denyIf = extra is null ? DenyIf : [.. DenyIf, extra];
        if (denyIf.Length > 0)
        {
            parts.Add($"\"deny_if\":[{string.Join(",", denyIf.Select(d => d.ToJson()))}]");
        }

        if (LimitWindowSeconds is { } window)
        {
            parts.Add($$"""
                "limits":[{"counter":"c{{window}}","window":{{window}},"max":3,"scope":"grant"}]
                """.Trim());
        }

        if (ApprovalWhen is not null)
        {
            parts.Add($"\"approval\":{{\"when\":[{string.Join(",", ApprovalWhen.Select(c => c.ToJson()))}],\"timeout\":\"5m\"}}");
        }

        return "{" + string.Join(",", parts) + "}";
    }
}

/// <summary>A random but valid policy, rendered to JSON; <see cref="WithDenyIf"/> adds one block to an existing rule.</summary>
internal sealed record GeneratedPolicy(string Default, string Mode, string[] Hide, GeneratedDenyIf[] AllToolsDenyIf, GeneratedTool[] Tools)
{
    public string ToJson() => Render(null, null);

    /// <summary>The same policy with <paramref name="block"/> added to tool <paramref name="target"/>, or to all_tools when it is out of range.</summary>
    public string WithDenyIf(GeneratedDenyIf block, int target) =>
        target < Tools.Length ? Render(Tools[target].Name, block) : Render("", block);

    private string Render(string? target, GeneratedDenyIf? block)
    {
        var allTools = target == "" ? [.. AllToolsDenyIf, block!] : AllToolsDenyIf;
        var tools = string.Join(",", Tools.Select(t => $"\"{t.Name}\":{t.ToJson(t.Name == target ? block : null)}"));
        var allToolsJson = allTools.Length == 0 ? "" : $",\"all_tools\":{{\"deny_if\":[{string.Join(",", allTools.Select(d => d.ToJson()))}]}}";
        var hide = Hide.Length == 0 ? "" : $",\"hide\":[{string.Join(",", Hide.Select(h => $"\"{h}\""))}]";
        return $"{{\"version\":\"1\",\"default\":\"{Default}\",\"mode\":\"{Mode}\"{hide}{allToolsJson},\"tools\":{{{tools}}}}}";
    }
}

internal static class PolicyGenerators
{
    public static readonly string[] ToolNames = ["alpha", "beta", "gamma", "delta"];

    private static readonly string[] s_paths = ["args.x", "args.y", "args.list", "args.list[0]", "args.obj.k", "tool.name", "grant.name", "time.hour"];

    public static Gen<string> ScalarJson { get; } = Gen.OneOf(
        Gen.Choose(-3, 3).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Elements("1.5", "2.0", "1e2"),
        Gen.Elements("\"a\"", "\"b\"", "\"ab\"", "\"\"", "\"alice\"", "\"alpha\"", "\"/a/b\"", "\"/a/../b\"", "\"/../a\""),
        Gen.Elements("true", "false", "null"));

    public static Gen<GeneratedCondition> Condition { get; } =
        from path in Gen.Elements(s_paths)
        from op in Gen.Elements("eq", "neq", "in", "not_in", "lt", "lte", "gt", "gte", "regex", "glob", "contains",
            "starts_with", "ends_with", "exists", "not_exists", "max_length", "path_under", "path_not_under")
        from value in ValueFor(op)
        select new GeneratedCondition(path, op, value);

    public static Gen<GeneratedDenyIf> DenyIf { get; } =
        from count in Gen.Choose(1, 2)
        from conditions in Condition.ArrayOf(count)
        from onDeny in Gen.Elements<string?>(null, "blocked")
        select new GeneratedDenyIf(conditions, onDeny);

    public static Gen<GeneratedPolicy> Policy { get; } =
        from defaultAction in Gen.Elements("allow", "deny")
        from mode in Gen.Frequency((4, Gen.Constant("enforce")), (1, Gen.Constant("shadow")))
        from hide in Gen.SubListOf("gamma", "del*", "zz?")
        from allToolsCount in Gen.Choose(0, 1)
        from allToolsDenyIf in DenyIf.ArrayOf(allToolsCount)
        from names in Gen.SubListOf(ToolNames)
        from tools in Gen.CollectToArray(names, Tool)
        select new GeneratedPolicy(defaultAction, mode, [.. hide], allToolsDenyIf, tools);

    public static Gen<string> ArgumentsJson { get; } =
        from x in Gen.OneOf(ScalarJson.Select(v => (string?)v), Gen.Constant<string?>(null))
        from y in Gen.OneOf(ScalarJson.Select(v => (string?)v), Gen.Constant<string?>(null))
        from listLength in Gen.Choose(0, 3)
        from list in ScalarJson.ArrayOf(listLength)
        from obj in Gen.OneOf(ScalarJson.Select(v => (string?)v), Gen.Constant<string?>(null))
        select Render(x, y, list, obj);

    public static Gen<(string Tool, string Grant, int Hour, string Arguments)> Call { get; } =
        from tool in Gen.Elements([.. ToolNames, "epsilon", "delete_all"])
        from grant in Gen.Elements("alice", "bob")
        from hour in Gen.Choose(0, 23)
        from arguments in ArgumentsJson
        select (tool, grant, hour, arguments);

    private static Gen<GeneratedTool> Tool(string name) =>
        from action in Gen.Frequency((5, Gen.Constant<string?>(null)), (1, Gen.Constant<string?>("allow")),
            (1, Gen.Constant<string?>("deny")), (1, Gen.Constant<string?>("require_approval")))
        from requireCount in Gen.Choose(0, 2)
        from require in Condition.ArrayOf(requireCount)
        from denyIfCount in Gen.Choose(0, 2)
        from denyIf in DenyIf.ArrayOf(denyIfCount)
        from window in Gen.Elements<int?>(null, 60, 3600)
        from approvalCount in Gen.Choose(-1, 1)
        from when in Condition.ArrayOf(Math.Max(0, approvalCount))
        select new GeneratedTool(name, action, require, denyIf, window, approvalCount < 0 ? null : when);

    private static Gen<string?> ValueFor(string op) => op switch
    {
        "eq" or "neq" or "contains" => ScalarJson.Select(v => (string?)v),
        "in" or "not_in" => Gen.Choose(0, 3).SelectMany(n => ScalarJson.ArrayOf(n)).Select(vs => (string?)$"[{string.Join(",", vs)}]"),
        "lt" or "lte" or "gt" or "gte" => Gen.Elements<string?>("0", "2", "12", "\"a\"", "\"b\""),
        "regex" => Gen.Elements<string?>("\"^a\"", "\"b$\"", "\"[0-9]+\"", "\".\""),
        "glob" => Gen.Elements<string?>("\"a*\"", "\"?\"", "\"*\""),
        "starts_with" or "ends_with" => Gen.Elements<string?>("\"a\"", "\"b\"", "\"\""),
        "path_under" or "path_not_under" => Gen.Elements<string?>("\"/a\"", "\"/\"", "[\"/a\", \"/b/\"]"),
        "max_length" => Gen.Choose(0, 3).Select(n => (string?)n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        _ => Gen.Constant<string?>(null),
    };

    private static string Render(string? x, string? y, string[] list, string? obj)
    {
        var parts = new List<string>();
        if (x is not null)
        {
            parts.Add($"\"x\":{x}");
        }

        if (y is not null)
        {
            parts.Add($"\"y\":{y}");
        }

        parts.Add($"\"list\":[{string.Join(",", list)}]");
        if (obj is not null)
        {
            parts.Add($"\"obj\":{{\"k\":{obj}}}");
        }

        var json = "{" + string.Join(",", parts) + "}";
        using var _ = JsonDocument.Parse(json);
        return json;
    }
}
