using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Gateway.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP collector on real Kestrel that keeps the spans it receives. Requests are read
/// with the protobuf wire format directly (the OTLP message numbers of the fields used), since
/// no .NET package of the OTLP protos is at hand.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in ReadSpans(ByteString.CopyFrom(body.ToArray())))
            {
                receiver.Spans.Enqueue(span);
            }

            context.Response.ContentType = "application/x-protobuf";
        });
        app.MapPost("/v1/metrics", () => Results.Empty);
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.ListeningAddress());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.spans = 2.
    private static IEnumerable<ReceivedSpan> ReadSpans(ByteString request) =>
        from resourceSpans in Fields(request, 1)
        from scopeSpans in Fields(resourceSpans, 2)
        from span in Fields(scopeSpans, 2)
        select ReadSpan(span);

    // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, attributes = 9 (KeyValue: key = 1, value = 2; AnyValue.string_value = 1, int_value = 3).
    private static ReceivedSpan ReadSpan(ByteString span)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in Fields(span, 9))
        {
            var key = Fields(attribute, 1).Single().ToStringUtf8();
            var value = Fields(attribute, 2).SingleOrDefault();
            if (value is not null && Fields(value, 1).SingleOrDefault() is { } text)
            {
                attributes[key] = text.ToStringUtf8();
            }
            else if (value is not null && Varints(value, 3).SingleOrDefault() is { } number)
            {
                attributes[key] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return new ReceivedSpan(
            Convert.ToHexStringLower(Fields(span, 1).Single().ToByteArray()),
            Convert.ToHexStringLower(Fields(span, 2).Single().ToByteArray()),
            Fields(span, 4).SingleOrDefault() is { Length: > 0 } parent ? Convert.ToHexStringLower(parent.ToByteArray()) : null,
            Fields(span, 5).Single().ToStringUtf8(),
            attributes);
    }

    private static List<ByteString> Fields(ByteString message, int number)
    {
        var found = new List<ByteString>();
        var input = message.CreateCodedInput();
        while (input.ReadTag() is var tag && tag != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    private static List<long?> Varints(ByteString message, int number)
    {
        var found = new List<long?>();
        var input = message.CreateCodedInput();
        while (input.ReadTag() is var tag && tag != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                found.Add(input.ReadInt64());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}

/// <summary>A span as the collector received it; ids in lower-case hex.</summary>
internal sealed record ReceivedSpan(string TraceId, string SpanId, string? ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);
