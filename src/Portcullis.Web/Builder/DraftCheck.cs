using Portcullis.Policy;
using Portcullis.Policy.Validation;

namespace Portcullis.Web.Builder;

/// <summary>
/// A draft checked as <c>portcullis policy check</c> checks a file: its JSON, the parser's errors
/// (or the compiled policy) and warnings for rules and hides that name no tool the server lists.
/// </summary>
internal sealed record DraftCheck(string Json, PolicyParseResult Result, IReadOnlyList<PolicyWarning> Warnings)
{
    /// <summary>Checks <paramref name="draft"/> against the tools the server is known to list (none known: no warnings).</summary>
    public static DraftCheck Of(PolicyDraft draft, IReadOnlyCollection<string> knownTools)
    {
        var json = PolicyDraftWriter.ToJson(draft);
        var result = PolicyParser.Parse(json, PolicyFormat.Json);
        IReadOnlyList<PolicyWarning> warnings = result.Succeeded && knownTools.Count > 0 ? ToolNameWarnings.Check(result.Policy.Document, knownTools) : [];
        return new DraftCheck(json, result, warnings);
    }

    /// <summary>The errors under <paramref name="pointer"/> (a JSON Pointer such as <c>/tools/echo</c>), for showing beside the part they concern.</summary>
    public IEnumerable<PolicyError> ErrorsUnder(string pointer) =>
        Result.Errors.Where(e => e.Path == pointer || e.Path.StartsWith(pointer + "/", StringComparison.Ordinal));

    /// <summary>A tool's rule as a JSON Pointer: <c>/tools/</c> and the name with <c>~</c> and <c>/</c> escaped.</summary>
    public static string PointerTo(string tool) => "/tools/" + tool.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
