using System.Text;
using Portcullis.Gateway.Protocol;
using Xunit;

namespace Portcullis.Gateway.Tests.Proxy;

public sealed class SseEventTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task Reads_events_with_every_line_ending_the_format_allows(string newLine)
    {
        var text = $"id: 1{newLine}event: message{newLine}data: {{\"a\":1}}{newLine}{newLine}data: two{newLine}data: lines{newLine}{newLine}";

        var events = await ReadAsync(Encoding.UTF8.GetBytes(text), chunk: int.MaxValue);

        Assert.Equal(2, events.Count);
        Assert.Equal(["id: 1", "event: message", "data: {\"a\":1}"], events[0].Lines);
        Assert.Equal("{\"a\":1}", events[0].Data);
        Assert.Equal("two\nlines", events[1].Data);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public async Task Reads_the_same_events_however_the_bytes_arrive(int chunk)
    {
        // A CR may end one read and its LF start the next: still one line ending, not two.
        var text = "event: message\r\ndata: {\"text\":\"é ✓\"}\r\n\r\nevent: message\rdata: x\r\r";

        var events = await ReadAsync(Encoding.UTF8.GetBytes(text), chunk);

        Assert.Equal(2, events.Count);
        Assert.Equal("{\"text\":\"é ✓\"}", events[0].Data);
        Assert.Equal(["event: message", "data: x"], events[1].Lines);
    }

    [Fact]
    public async Task An_event_cut_off_by_the_end_of_the_stream_is_still_delivered()
    {
        var events = await ReadAsync("data: first\n\ndata: last"u8.ToArray(), chunk: 3);

        Assert.Equal(["first", "last"], events.Select(e => e.Data));
    }

    private static async Task<List<SseEvent>> ReadAsync(byte[] bytes, int chunk)
    {
        var events = new List<SseEvent>();
        await using var stream = new TrickleStream(bytes, chunk);
        await foreach (var sseEvent in SseEvent.ReadAllAsync(stream, 1 << 20, TestContext.Current.CancellationToken))
        {
            events.Add(sseEvent);
        }

        return events;
    }

    /// <summary>A read-only stream that hands out at most <c>chunk</c> bytes per read, as a network might.</summary>
    private sealed class TrickleStream(byte[] bytes, int chunk) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
    }
}
