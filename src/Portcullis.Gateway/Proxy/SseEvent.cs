using System.Runtime.CompilerServices;
using System.Text;

namespace Portcullis.Gateway.Proxy;

/// <summary>One server-sent event: its raw lines (id, event, retry, data…) and its joined data.</summary>
internal sealed record SseEvent(IReadOnlyList<string> Lines, string Data)
{
    /// <summary>Reads events from a <c>text/event-stream</c> as they complete.</summary>
    public static async IAsyncEnumerable<SseEvent> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(line);
                continue;
            }

            if (lines.Count > 0)
            {
                yield return Create(lines);
                lines = [];
            }
        }

        if (lines.Count > 0)
        {
            yield return Create(lines);
        }
    }

    private static SseEvent Create(List<string> lines) => new(lines,
        string.Join('\n', lines.Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' '))));
}
