using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace Portcullis.Gateway.Protocol;

/// <summary>One server-sent event: its raw lines (id, event, retry, data…) and its joined data.</summary>
internal sealed record SseEvent(IReadOnlyList<string> Lines, string Data)
{
    /// <summary>The characters of all its lines with their ends and the blank line that ends it: what relaying it costs.</summary>
    public long Size => Lines.Sum(line => (long)line.Length + 1) + 1;

    /// <summary>
    /// Reads events from a <c>text/event-stream</c> as they complete. Lines end with CRLF, LF or
    /// CR, as the SSE format allows; bytes are read through pooled buffers, since every relayed
    /// answer passes here. An event (or a line still waiting for its end) larger than
    /// <paramref name="maxEventBytes"/> ends the stream with <see cref="UpstreamAnswerException"/>
    /// before it is held in memory whole.
    /// </summary>
    public static async IAsyncEnumerable<SseEvent> ReadAllAsync(Stream stream, long maxEventBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            var lines = new List<string>();
            long eventBytes = 0;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, result.IsCompleted, out var line))
                {
                    if (line.Length > 0)
                    {
                        eventBytes += line.Length;
                        if (eventBytes > maxEventBytes)
                        {
                            throw TooLarge(maxEventBytes);
                        }

                        lines.Add(line);
                    }
                    else if (lines.Count > 0)
                    {
                        yield return Create(lines);
                        lines = [];
                        eventBytes = 0;
                    }
                }

                if (eventBytes + buffer.Length > maxEventBytes)
                {
                    throw TooLarge(maxEventBytes);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            if (lines.Count > 0)
            {
                yield return Create(lines);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes one line off <paramref name="buffer"/>; at the end of the stream an unterminated rest counts as a line.</summary>
    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool final, out string line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadToAny(out ReadOnlySequence<byte> content, "\r\n"u8, advancePastDelimiter: false))
        {
            line = final && !buffer.IsEmpty ? Encoding.UTF8.GetString(buffer) : string.Empty;
            var found = final && !buffer.IsEmpty;
            if (found)
            {
                buffer = buffer.Slice(buffer.End);
            }

            return found;
        }

        reader.TryRead(out var delimiter);
        if (delimiter == (byte)'\r')
        {
            if (reader.End && !final)
            {
                // A CR at the end of what has arrived: wait to see whether an LF follows.
                line = string.Empty;
                return false;
            }

            reader.IsNext((byte)'\n', advancePast: true);
        }

        line = Encoding.UTF8.GetString(content);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static UpstreamAnswerException TooLarge(long maxEventBytes) =>
        new(UpstreamFault.TooLarge, $"an event of the answer is larger than {maxEventBytes} bytes (max_response_bytes)");

    private static SseEvent Create(List<string> lines) => new(lines,
        string.Join('\n', lines.Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' '))));
}
