using System.Text.RegularExpressions;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Parsing;

namespace Portcullis.Policy.Validation;

/// <summary>
/// Warnings for a policy measured against the tools its server lists: a rule for a tool the
/// server does not have, or a <c>hide</c> entry that matches nothing, is valid but almost always a
/// typo — and a hide that matches nothing leaves the tool it meant visible.
/// </summary>
public static class ToolNameWarnings
{
    /// <summary>Every rule and hide entry of <paramref name="policy"/> that names no tool of <paramref name="toolNames"/>, with a "did you mean".</summary>
    public static IReadOnlyList<PolicyWarning> Check(PolicyDocument policy, IReadOnlyCollection<string> toolNames)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(toolNames);
        var known = toolNames.ToHashSet(StringComparer.Ordinal);
        var warnings = new List<PolicyWarning>();
        foreach (var tool in policy.Tools.Keys.Where(name => !known.Contains(name)))
        {
            warnings.Add(new PolicyWarning($"/tools/{Escape(tool)}", $"The server lists no tool '{tool}'; this rule never applies.{DidYouMean(tool, toolNames)}"));
        }

        for (var i = 0; i < policy.Hide.Length; i++)
        {
            var entry = policy.Hide[i];
            if (!Glob.HasWildcards(entry))
            {
                if (!known.Contains(entry))
                {
                    warnings.Add(new PolicyWarning($"/hide/{i}", $"The server lists no tool '{entry}'; this entry hides nothing.{DidYouMean(entry, toolNames)}"));
                }

                continue;
            }

            var glob = Glob.ToRegex(entry);
            if (toolNames.Any(name => glob.IsMatch(name)))
            {
                continue;
            }

            var ignoringCase = new Regex(glob.ToString(), glob.Options | RegexOptions.IgnoreCase);
            var caseOnly = toolNames.Where(name => ignoringCase.IsMatch(name)).Order(StringComparer.Ordinal).Take(3).ToList();
            var hint = caseOnly.Count > 0
                ? $" Globs are case-sensitive: ignoring case it would match {string.Join(", ", caseOnly.Select(n => $"'{n}'"))}."
                : "";
            warnings.Add(new PolicyWarning($"/hide/{i}", $"'{entry}' matches none of the server's {toolNames.Count} tool(s); it hides nothing.{hint}"));
        }

        return warnings;
    }

    private static string DidYouMean(string typed, IReadOnlyCollection<string> toolNames) =>
        Suggestions.Closest(typed, toolNames) is { } closest ? $" Did you mean '{closest}'?" : "";

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>Something in a valid policy that is probably not what its author meant.</summary>
/// <param name="Path">JSON Pointer to the entry, e.g. <c>/tools/code_genrate</c>.</param>
/// <param name="Message">What is odd about it and what was probably meant.</param>
public sealed record PolicyWarning(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}
