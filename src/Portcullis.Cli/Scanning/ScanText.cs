using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Risk;
using Spectre.Console;

namespace Portcullis.Cli.Scanning;

/// <summary>How a scan is shown: a table, one JSON object, or one tool explained in full.</summary>
internal static class ScanText
{
    private const int TableSignals = 3;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteTable(TextWriter output, ScanResult result)
    {
        output.WriteLine($"Server: {ServerName(result.Inventory)}{(result.Inventory.Version is { } version ? " " + Printable(version) : "")} — {result.Tools.Length} tool(s), riskiest first");
        var table = new Table().AddColumns("TOOL", "CATEGORY", "SEVERITY", "CONFIDENCE", "TOP SIGNALS");
        foreach (var tool in result.Tools)
        {
            table.AddRow(
                TextTable.Cell(Printable(tool.Tool)),
                TextTable.Cell(tool.Overridden ? $"{tool.Category} (override)" : tool.Category.ToString()),
                TextTable.Cell(tool.Severity.ToString()),
                TextTable.Cell(Confidence(tool.Confidence)),
                TextTable.Cell(string.Join("; ", tool.Signals.Take(TableSignals).Select(Signal))));
        }

        TextTable.Write(output, table);
        if (result.Tools.Any(t => t.Overridden))
        {
            output.WriteLine("(override): category and severity set in the configuration's risk_overrides; --explain TOOL shows the classifier's own verdict.");
        }
    }

    public static void WriteJson(TextWriter output, ScanResult result, RiskAssessment? only = null)
    {
        var inventory = result.Inventory;
        object document = only is null
            ? new
            {
                server = new { name = inventory.Name, title = inventory.Title, version = inventory.Version, description = inventory.Description, instructions = inventory.Instructions },
                tools = result.Tools.Select(t => Json(t, result)),
            }
            : Json(only, result);
        output.WriteLine(JsonSerializer.Serialize(document, s_json));
    }

    public static void WriteExplanation(TextWriter output, ScanResult result, RiskAssessment tool)
    {
        output.WriteLine($"Tool:        {Printable(tool.Tool)}");
        output.WriteLine($"Server:      {ServerName(result.Inventory)}");
        output.WriteLine($"Category:    {tool.Category}{(tool.Overridden ? " (operator override)" : "")}");
        output.WriteLine($"Severity:    {tool.Severity}");
        output.WriteLine($"Confidence:  {Confidence(tool.Confidence)}");
        if (tool.Classified is { } classified)
        {
            output.WriteLine($"Classified:  {classified.Category}, {classified.Severity}, confidence {Confidence(classified.Confidence)} (the classifier's own verdict)");
        }

        output.WriteLine();
        output.WriteLine("Rationale:");
        foreach (var line in tool.Rationale.Split('\n'))
        {
            output.WriteLine($"  {Printable(line.TrimEnd('\r'))}");
        }

        output.WriteLine();
        output.WriteLine($"Signals ({tool.Signals.Count}, strongest first):");
        if (tool.Signals.Count == 0)
        {
            output.WriteLine("  (none)");
        }
        else
        {
            var table = new Table().AddColumns("WEIGHT", "POINTS TO", "KIND", "EVIDENCE");
            foreach (var signal in tool.Signals)
            {
                table.AddRow(TextTable.Cell(signal.Weight.ToString("0.00", CultureInfo.InvariantCulture)), TextTable.Cell(signal.Points.ToString()),
                    TextTable.Cell(signal.Kind), TextTable.Cell(Printable(signal.Evidence)));
            }

            TextTable.Write(output, table);
        }

        output.WriteLine();
        output.WriteLine("Recommended rule:");
        output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, JsonElement> { [tool.Tool] = result.RuleOf(tool.Tool) }, s_json));
    }

    public static string ServerName(ToolInventory inventory) => Printable(inventory.Title ?? inventory.Name ?? "an unnamed server");

    /// <summary>
    /// Text a server wrote, fit for a terminal: control characters and line separators are shown as
    /// <c>\uXXXX</c>, so a hostile tool name or description cannot move the cursor, clear the screen
    /// or fake a line of output.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(IsUnprintable))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnprintable(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool IsUnprintable(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    private static object Json(RiskAssessment tool, ScanResult result) => new
    {
        name = tool.Tool,
        category = tool.Category.ToString(),
        severity = tool.Severity.ToString(),
        confidence = Math.Round(tool.Confidence, 3),
        signals = tool.Signals.Select(s => new { kind = s.Kind, evidence = s.Evidence, weight = Math.Round(s.Weight, 3), points = s.Points.ToString() }),
        rationale = tool.Rationale,
        recommended = result.RuleOf(tool.Tool),
        @override = tool.Classified is { } classified
            ? new
            {
                category = tool.Category.ToString(),
                severity = tool.Severity.ToString(),
                classified = new { category = classified.Category.ToString(), severity = classified.Severity.ToString(), confidence = Math.Round(classified.Confidence, 3), rationale = classified.Rationale },
            }
            : null,
    };

    private static string Signal(RiskSignal signal) => $"{signal.Kind}: {Cut(Printable(signal.Evidence), 40)}";

    private static string Confidence(double confidence) => confidence.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Cut(string text, int length) => text.Length > length ? text[..(length - 1)] + "…" : text;
}
