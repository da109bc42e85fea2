using System.Collections.Concurrent;
using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Portcullis.Cli.Demo;

/// <summary>
/// The demo upstream's tools: CodexMCP's names, arguments and descriptions (<c>code_generate</c>
/// has none, as there), with harmless, deterministic results, so the demo works offline and tests
/// can assert on exact output.
/// </summary>
[McpServerToolType]
internal sealed class CodexDemoTools(DemoToolCalls calls)
{
    [McpServerTool(Name = "code_generate"), Description("")]
    public string CodeGenerate(
        [Description("What the code must do.")] string description,
        [Description("Programming language.")] string language = "Python",
        [Description("Feedback on a previous iteration.")] string feedback = "",
        [Description("Iteration number, starting at 1.")] int iteration = 1,
        [Description("Model to use.")] string model = "o4-mini") =>
        calls.Record(description) + $"[demo:{model}] {language} code for \"{description}\" (iteration {iteration}{(feedback.Length > 0 ? ", with feedback" : "")}):\n" +
        $"// TODO: {description}";

    [McpServerTool(Name = "describe_codebase"), Description("Describe a codebase or one of its parts.")]
    public string DescribeCodebase(
        [Description("What to describe: a path, module or question.")] string subject = ".",
        [Description("Who the description is for.")] string audience = "developer",
        [Description("Model to use.")] string model = "o4-mini") =>
        calls.Record(subject) + $"[demo:{model}] Description of '{subject}' for a {audience}: a small example project.";

    [McpServerTool(Name = "review_code"), Description("Review code and suggest improvements.")]
    public string ReviewCode(
        [Description("The code to review.")] string code,
        [Description("Programming language.")] string language = "Python",
        [Description("Aspects to focus on, e.g. security, performance.")] string[]? focus_areas = null,
        [Description("Model to use.")] string model = "o4-mini") =>
        calls.Record(code) + $"[demo:{model}] Review of {code.Length} characters of {language}" +
        $"{(focus_areas is { Length: > 0 } ? " focusing on " + string.Join(", ", focus_areas) : "")}: no issues found.";
}

/// <summary>
/// Counts tool calls the demo server has executed: what got through the gateway. Calls are also
/// counted by their subject (a description, path or piece of code), so a caller can count its own
/// calls while others use the same server.
/// </summary>
internal sealed class DemoToolCalls
{
    private readonly ConcurrentDictionary<string, long> _bySubject = new(StringComparer.Ordinal);
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public long CountFor(string subject) => _bySubject.GetValueOrDefault(subject);

    /// <summary>Counts one call; returns an empty string so it can prefix a result.</summary>
    public string Record(string subject)
    {
        Interlocked.Increment(ref _count);
        _bySubject.AddOrUpdate(subject, 1, static (_, count) => count + 1);
        return "";
    }
}
