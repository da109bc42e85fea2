using System.Text;
using System.Text.RegularExpressions;

namespace Portcullis.Policy.Conditions;

/// <summary>
/// Tool-name globs: <c>*</c> matches any run of characters, <c>?</c> exactly one, everything
/// else itself. Translated to an anchored non-backtracking regex, so matching is linear and
/// needs no timeout. (File-system globbing libraries treat <c>/</c> specially, which tool names
/// and argument values must not.)
/// </summary>
internal static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    public static Regex ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        foreach (var c in pattern)
        {
            builder.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        builder.Append('$');
        return new Regex(builder.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking);
    }
}
