namespace Portcullis.LoadTest;

/// <summary>The GitHub-flavoured tables BenchmarkDotNet exported, read back by benchmark class.</summary>
internal sealed class BenchmarkTables(string? resultsDirectory)
{
    /// <summary>The table lines of <paramref name="benchmarkClass"/>'s report, or none when it was not run.</summary>
    public IReadOnlyList<string> Table(string benchmarkClass)
    {
        var path = resultsDirectory is null ? null : Path.Combine(resultsDirectory, $"Portcullis.Benchmarks.{benchmarkClass}-report-github.md");
        return path is not null && File.Exists(path)
            ? File.ReadLines(path).Where(line => line.StartsWith('|')).ToList()
            : [];
    }

    /// <summary>The cell in column <paramref name="column"/> of the row whose method is <paramref name="method"/>.</summary>
    public string? Cell(string benchmarkClass, string method, string column)
    {
        var table = Table(benchmarkClass);
        if (table.Count < 3)
        {
            return null;
        }

        var header = Cells(table[0]);
        var index = header.IndexOf(column);
        return index < 0
            ? null
            : table.Skip(2).Select(Cells).FirstOrDefault(row => row[0] == method) is { } found && index < found.Count ? found[index] : null;
    }

    /// <summary>A row's cells as text: BenchmarkDotNet writes method names HTML-escaped (<c>&amp;#39;</c> for a quote).</summary>
    private static List<string> Cells(string line) => line.Trim().Trim('|').Split('|').Select(cell => System.Net.WebUtility.HtmlDecode(cell.Trim())).ToList();
}
