namespace Portcullis.Policy.Parsing;

/// <summary>"Did you mean" for misspelt keys and operators: the closest candidate by edit distance.</summary>
public static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="typed"/> (ignoring case), or null when none is close enough to be what was meant.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = Math.Max(2, typed.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Every candidate close to <paramref name="typed"/> by edit distance, or containing it, or contained in it (ignoring case), closest first.</summary>
    public static IReadOnlyList<string> Near(string typed, IEnumerable<string> candidates)
    {
        var lowered = typed.ToLowerInvariant();
        var allowed = Math.Max(2, typed.Length / 3);
        return candidates
            .Select(candidate => (Candidate: candidate, Lowered: candidate.ToLowerInvariant()))
            .Select(c => (c.Candidate, Distance: Distance(lowered, c.Lowered), Contains: c.Lowered.Contains(lowered, StringComparison.Ordinal)
                || (lowered.Length > 0 && lowered.Contains(c.Lowered, StringComparison.Ordinal))))
            .Where(c => c.Distance <= allowed || c.Contains)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Select(c => c.Candidate)
            .ToList();
    }

    /// <summary><c>Did you mean 'x'? Expected one of: a, b.</c>, or only the list when nothing is close.</summary>
    public static string Hint(string typed, IReadOnlyCollection<string> candidates)
    {
        var closest = Closest(typed, candidates);
        var list = string.Join(", ", candidates);
        return closest is null ? $"Expected one of: {list}." : $"Did you mean '{closest}'? Expected one of: {list}.";
    }

    /// <summary>Levenshtein distance with adjacent transpositions counted as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
