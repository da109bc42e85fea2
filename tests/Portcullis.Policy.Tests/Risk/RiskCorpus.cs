using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

/// <summary>
/// The hand-labelled tools of real MCP servers in Risk/Corpus: each server's capture and every
/// tool's label, classified once per test run.
/// </summary>
internal static class RiskCorpus
{
    /// <summary>
    /// The servers left out while the classifier was tuned, chosen before their tools were read:
    /// the last three capture files in ordinal order of file name.
    /// </summary>
    public static IReadOnlyList<string> HeldOut { get; } = Captures().TakeLast(3).Select(c => c.Package).ToArray();

    /// <summary>Every labelled tool with the classifier's assessment of it.</summary>
    public static IReadOnlyList<LabelledTool> Tools { get; } = Classify();

    private static string Directory => Path.Combine(AppContext.BaseDirectory, "Risk", "Corpus");

    private static List<LabelledTool> Classify()
    {
        using var labelsDocument = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "labels.json")));
        var labels = labelsDocument.RootElement.EnumerateArray().ToDictionary(
            l => (l.GetProperty("package").GetString()!, l.GetProperty("tool").GetString()!),
            l => (Enum.Parse<RiskCategory>(l.GetProperty("category").GetString()!), Enum.Parse<RiskSeverity>(l.GetProperty("severity").GetString()!)));

        var tools = new List<LabelledTool>();
        foreach (var capture in Captures())
        {
            foreach (var tool in capture.Tools)
            {
                var assessment = RiskClassifier.Classify(capture.Server, tool);
                if (!labels.Remove((capture.Package, assessment.Tool), out var label))
                {
                    throw new InvalidOperationException($"{capture.File}: tool '{assessment.Tool}' has no label in labels.json.");
                }

                tools.Add(new LabelledTool(capture.Package, label.Item1, label.Item2, assessment));
            }
        }

        if (labels.Count > 0)
        {
            throw new InvalidOperationException($"labels.json names tools no capture has: {string.Join(", ", labels.Keys)}.");
        }

        return tools;
    }

    // In ordinal order of file name.
    private static IEnumerable<Capture> Captures()
    {
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(path) == "labels.json")
            {
                continue;
            }

            var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
            var server = root.GetProperty("server");
            var info = server.TryGetProperty("serverInfo", out var serverInfo) ? serverInfo : default;
            var context = new ServerContext(StringOf(info, "name"), StringOf(info, "title"), StringOf(server, "instructions"), Description: null);
            yield return new Capture(Path.GetFileName(path), root.GetProperty("package").GetString()!, context, root.GetProperty("tools").EnumerateArray().ToArray());
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record Capture(string File, string Package, ServerContext Server, JsonElement[] Tools);
}

/// <summary>One tool of the corpus: its server, its label and what the classifier made of it.</summary>
internal sealed record LabelledTool(string Package, RiskCategory Category, RiskSeverity Severity, RiskAssessment Assessment)
{
    public bool Agrees => Assessment.Category == Category;
}
