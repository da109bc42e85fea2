using System.Collections.Immutable;
using System.Text.Json;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Recommendations;
using Portcullis.Policy.Risk;
using Portcullis.Policy.Serialization;

namespace Portcullis.Cli.Scanning;

/// <summary>A server's tools classified by risk, riskiest first, with the policy recommended for them.</summary>
internal sealed class ScanResult
{
    private readonly ImmutableDictionary<string, JsonElement> _rules;

    private ScanResult(ToolInventory inventory, ImmutableArray<RiskAssessment> tools, PolicyDocument policy, ImmutableArray<string> unmatchedOverrides)
    {
        Inventory = inventory;
        Tools = tools;
        Policy = policy;
        UnmatchedOverrides = unmatchedOverrides;
        using var json = JsonDocument.Parse(PolicyWriter.ToJson(policy));
        _rules = json.RootElement.GetProperty("tools").EnumerateObject().ToImmutableDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }

    public ToolInventory Inventory { get; }

    /// <summary>Every tool's assessment: category descending, then severity descending, then name.</summary>
    public ImmutableArray<RiskAssessment> Tools { get; }

    /// <summary>The recommended policy: default deny and one rule per tool.</summary>
    public PolicyDocument Policy { get; }

    /// <summary>Tools the operator's overrides name that the server does not list.</summary>
    public ImmutableArray<string> UnmatchedOverrides { get; }

    public static ScanResult Of(ScanInput input)
    {
        var inventory = input.Inventory;
        var server = new ServerContext(inventory.Name, inventory.Title, inventory.Instructions, inventory.Description);
        var tools = inventory.Tools
            .Select(tool => RiskClassifier.Classify(server, tool, input.Overrides.GetValueOrDefault(tool.GetProperty("name").GetString()!)))
            .OrderByDescending(a => a.Category)
            .ThenByDescending(a => a.Severity)
            .ThenBy(a => a.Tool, StringComparer.Ordinal)
            .ToImmutableArray();
        var policy = RecommendedPolicy.For(tools.Select(a => KeyValuePair.Create(a.Tool, a.Category)));
        var unmatched = input.Overrides.Keys.Where(name => tools.All(a => a.Tool != name)).Order(StringComparer.Ordinal).ToImmutableArray();
        return new ScanResult(inventory, tools, policy, unmatched);
    }

    /// <summary>The rule the recommended policy gives <paramref name="tool"/>, as it is written in the policy's JSON.</summary>
    public JsonElement RuleOf(string tool) => _rules[tool];

    /// <summary>The recommended policy as YAML, each tool's rule under a comment with its category and the first line of its rationale.</summary>
    public string PolicyYaml()
    {
        var comments = Tools.ToDictionary(a => a.Tool, a => Wrap(Comment(a), 100), StringComparer.Ordinal);
        return PolicyYamlWriter.ToYaml(Policy, Header(), comments);
    }

    /// <summary>The recommended policy as JSON.</summary>
    public string PolicyJson() => PolicyWriter.ToJson(Policy) + "\n";

    private string Header() => $"""
        Recommended by `portcullis scan` for {ScanText.ServerName(Inventory)} ({Tools.Length} tool(s)). Review it before use.
        Everything not named is denied. Read tools are allowed; write tools {RecommendedPolicy.WritesPerMinute} calls a minute per grant;
        execute tools {RecommendedPolicy.ExecutionsPerMinute} a minute per grant, arguments checked against the server's schema;
        destructive tools wait for a person's approval; financial tools too, and {RecommendedPolicy.FinancialCallsPerHour} calls an hour per grant.
        """;

    /// <summary>The first line of the rationale, which names the category; prefixed with the category where it does not begin with it.</summary>
    private static string Comment(RiskAssessment tool)
    {
        var firstLine = tool.Rationale.Split('\n')[0].Trim();
        var category = tool.Category.ToString();
        return firstLine.StartsWith(category + ",", StringComparison.Ordinal) ? firstLine : $"{category}: {firstLine}";
    }

    /// <summary>Breaks <paramref name="text"/> into lines of about <paramref name="width"/> characters at spaces.</summary>
    private static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = "";
            }

            line = line.Length == 0 ? word : line + " " + word;
        }

        lines.Add(line);
        return string.Join('\n', lines);
    }
}
