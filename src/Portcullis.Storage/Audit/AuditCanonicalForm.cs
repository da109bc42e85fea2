using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portcullis.Storage.Audit;

/// <summary>
/// The one serialisation of an audit record that hashes are computed over, and the form JSONL
/// files and the stores keep: a JSON object with snake_case keys in ordinal order, no
/// whitespace, absent values omitted, the time as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, and the
/// arguments as JSON with their keys sorted too. Every backend stores this text, so identical
/// records hash identically everywhere.
/// </summary>
public static class AuditCanonicalForm
{
    /// <summary>The previous hash of the first record of a chain.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private const int MaxKeptBufferBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The canonical JSON of <paramref name="record"/>, with or without its <c>hash</c>.</summary>
    public static string Serialize(AuditRecord record, bool includeHash = true, bool includeMac = true)
    {
        ArgumentNullException.ThrowIfNull(record);
        var buffer = RentBuffer();
        WriteCanonical(buffer, record, includeHash, includeMac, argumentsCanonical: false);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Appends the canonical JSON of <paramref name="record"/>, hash and signature included, to <paramref name="destination"/> as UTF-8.</summary>
    public static void WriteUtf8(AuditRecord record, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        WriteCanonical(destination, record, includeHash: true, includeMac: true, argumentsCanonical: false);
        // The thread's writer is not left holding the caller's buffer.
        t_writer!.Reset(RentBuffer());
    }

    private static void WriteCanonical(IBufferWriter<byte> buffer, AuditRecord record, bool includeHash, bool includeMac, bool argumentsCanonical)
    {
        var writer = t_writer ??= new Utf8JsonWriter(buffer, s_writerOptions);
        writer.Reset(buffer);
        writer.WriteStartObject();
        String(writer, "action", record.Action);
        String(writer, "actor", record.Actor);
        String(writer, "after", record.After);
        if (record.Arguments is not null)
        {
            writer.WritePropertyName("args");
            if (argumentsCanonical)
            {
                writer.WriteRawValue(record.Arguments, skipInputValidation: true);
            }
            else
            {
                using var arguments = JsonDocument.Parse(record.Arguments);
                WriteSorted(writer, arguments.RootElement);
            }
        }

        String(writer, "before", record.Before);
        String(writer, "chain", record.Chain);
        String(writer, "decision", record.Decision);
        String(writer, "grant", record.Grant);
        if (includeHash)
        {
            String(writer, "hash", record.Hash);
        }

        String(writer, "kind", record.Kind);
        if (includeMac)
        {
            String(writer, "mac", record.Mac);
        }

        String(writer, "method", record.Method);
        Number(writer, "policy_version", record.PolicyVersion);
        String(writer, "prev_hash", record.PrevHash);
        String(writer, "reason", record.Reason);
        String(writer, "request_id", record.RequestId);
        Span<char> time = stackalloc char[24];
        if (record.RetentionCutoff is { } cutoff)
        {
            writer.WriteString("retention_cutoff", time[..FormatTime(cutoff, time)]);
        }

        String(writer, "rule_id", record.RuleId);
        writer.WriteNumber("seq", record.Seq);
        String(writer, "server", record.Server);
        String(writer, "session", record.Session);
        String(writer, "target", record.Target);
        writer.WriteString("time", time[..FormatTime(record.Time, time)]);
        String(writer, "tool", record.Tool);
        Number(writer, "total_us", record.TotalMicros);
        Number(writer, "upstream_status", record.UpstreamStatus);
        Number(writer, "upstream_us", record.UpstreamMicros);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// This thread's serialisation buffer, emptied. Hashing runs once per audited call, so the
    /// buffer and writer are reused rather than allocated per record; an unusually large record
    /// does not keep its buffer.
    /// </summary>
    private static ArrayBufferWriter<byte> RentBuffer()
    {
        if (t_buffer is null || t_buffer.Capacity > MaxKeptBufferBytes)
        {
            t_buffer = new ArrayBufferWriter<byte>(4096);
        }

        t_buffer.ResetWrittenCount();
        return t_buffer;
    }

    /// <summary>JSON text with object keys sorted (recursively) and no whitespace.</summary>
    public static string CanonicalJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = RentBuffer();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, s_writerOptions);
        writer.Reset(buffer);
        WriteSorted(writer, document.RootElement);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a record from its canonical (or any equivalent) JSON; throws <see cref="FormatException"/> when it is not one.</summary>
    public static AuditRecord Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new AuditRecord
            {
                Action = Text(root, "action"),
                Actor = Text(root, "actor"),
                After = Text(root, "after"),
                Arguments = root.TryGetProperty("args", out var args) ? args.GetRawText() : null,
                Before = Text(root, "before"),
                Chain = Text(root, "chain") ?? throw new FormatException("The record has no chain."),
                Decision = Text(root, "decision"),
                Grant = Text(root, "grant"),
                Hash = Text(root, "hash") ?? "",
                Kind = Text(root, "kind") ?? throw new FormatException("The record has no kind."),
                Mac = Text(root, "mac"),
                Method = Text(root, "method"),
                PolicyVersion = root.TryGetProperty("policy_version", out var version) ? version.GetInt32() : null,
                PrevHash = Text(root, "prev_hash") ?? "",
                Reason = Text(root, "reason"),
                RequestId = Text(root, "request_id"),
                RetentionCutoff = Text(root, "retention_cutoff") is { } cutoff ? ParseTime(cutoff) : null,
                RuleId = Text(root, "rule_id"),
                Seq = root.GetProperty("seq").GetInt64(),
                Server = Text(root, "server"),
                Session = Text(root, "session"),
                Target = Text(root, "target"),
                Time = ParseTime(Text(root, "time") ?? throw new FormatException("The record has no time.")),
                Tool = Text(root, "tool"),
                TotalMicros = root.TryGetProperty("total_us", out var total) ? total.GetInt64() : null,
                UpstreamStatus = root.TryGetProperty("upstream_status", out var status) ? status.GetInt32() : null,
                UpstreamMicros = root.TryGetProperty("upstream_us", out var upstream) ? upstream.GetInt64() : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException("Not an audit record: " + e.Message, e);
        }
    }

    /// <summary>The hash a record must carry: SHA-256 over the previous hash, a newline and the canonical form without the hash.</summary>
    public static string ComputeHash(AuditRecord record) => ComputeHash(record, argumentsCanonical: false);

    /// <summary>
    /// As <see cref="ComputeHash(AuditRecord)"/>, for a record whose arguments are already in
    /// canonical form (the chain just made them so), which skips parsing them again.
    /// </summary>
    internal static string ComputeHash(AuditRecord record, bool argumentsCanonical)
    {
        ArgumentNullException.ThrowIfNull(record);
        var buffer = RentBuffer();
        var prefix = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(record.PrevHash.Length) + 1);
        var written = Encoding.UTF8.GetBytes(record.PrevHash, prefix);
        prefix[written] = (byte)'\n';
        buffer.Advance(written + 1);
        WriteCanonical(buffer, record, includeHash: false, includeMac: true, argumentsCanonical);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>A checkpoint's signature: HMAC-SHA256 with <paramref name="key"/> over its canonical form without hash and signature.</summary>
    public static string ComputeMac(AuditRecord record, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Serialize(record, includeHash: false, includeMac: false))));
    }

    /// <summary>A time as records keep it: UTC, truncated to the millisecond.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    /// <summary>The time's canonical text.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static int FormatTime(DateTimeOffset time, Span<char> destination) =>
        time.UtcDateTime.TryFormat(destination, out var written, TimeFormat, CultureInfo.InvariantCulture) ? written
            : throw new InvalidOperationException("A record time does not fit its canonical text.");

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static void String(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
