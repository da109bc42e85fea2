using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>One request body for the front door; shown as text when a property fails.</summary>
internal sealed record FrontDoorBody(byte[] Bytes)
{
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Bytes);
        return text.Length > 400 ? text[..400] + $"… ({Bytes.Length} bytes)" : text;
    }
}

/// <summary>
/// Request bodies for the front door: any bytes, any JSON, and valid JSON-RPC messages bent in
/// the ways parsers disagree on (case variants and escapes of <c>tools/call</c>, odd ids, lone
/// surrogates, control characters, deep nesting, huge numbers, repeated names, batches, cuts).
/// Tool names follow <see cref="FrontDoorPropertyFixture.Policy"/>.
/// </summary>
internal static class FrontDoorGenerators
{
    private static readonly string[] s_textPieces =
    [
        "a", "echo", "tools/call", "delete_all", " ", "é", "😀", "\u2028", "\\n", "\\\"", "\\\\", "\\/",
        // Escapes of characters that are easy to overlook, or that spell a name another way.
        "\\ud83d\\ude00", "\\u0000", "\\u001f", "\\u202e", "\\u0061",
    ];

    /// <summary>Half a surrogate pair, escaped: valid JSON syntax, but no string can be read from it.</summary>
    private static readonly string[] s_loneSurrogates = ["\\ud800", "\\udfff"];

    /// <summary>Raw control characters, which JSON strings may not hold at all.</summary>
    private static readonly string[] s_rawControls = ["\u0001", "\t"];

    private static readonly string[] s_numbers =
    [
        "0", "-0", "1", "-1", "7", "1.5", "1e2", "1E-2", "1e400", "-1e400", "1.5e-400", "123456789012345678901234567890", "9223372036854775808",
    ];

    private static readonly string[] s_notNumbers = ["01", "+1", ".5", "NaN", "Infinity", "0x10"];

    // Static properties are initialised in the order they are written: generators come after those they are built from.

    /// <summary>Any bytes, or bytes that start like a JSON-RPC message and then go astray.</summary>
    public static Gen<FrontDoorBody> Bytes { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<byte[]>(),
        from tail in ArbMap.Default.GeneratorFor<byte[]>()
        select (byte[])[.. """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"""u8, .. tail])
        .Select(bytes => new FrontDoorBody(bytes));

    /// <summary>The text of a property name: mostly plain, sometimes escaped, half a surrogate pair or odd, rarely not JSON.</summary>
    public static Gen<string> NameText { get; } =
        Text(Gen.Frequency((150, Gen.Elements(s_textPieces)), (1, Gen.Elements(s_loneSurrogates)), (1, Gen.Elements(s_rawControls))), minimum: 1);

    /// <summary>A JSON string literal: mostly plain text, sometimes what parsers disagree on, rarely not JSON.</summary>
    public static Gen<string> StringLiteral { get; } =
        Text(Gen.Frequency((150, Gen.Elements(s_textPieces)), (1, Gen.Elements(s_loneSurrogates)), (1, Gen.Elements(s_rawControls))))
            .Select(text => "\"" + text + "\"");

    /// <summary>A number, of any size or precision; rarely one JSON does not allow.</summary>
    public static Gen<string> Number { get; } = Gen.Frequency((20, Gen.Elements(s_numbers)), (1, Gen.Elements(s_notNumbers)));

    /// <summary>A string, number or literal, a few of them not JSON.</summary>
    public static Gen<string> Scalar { get; } =
        Gen.Frequency((6, StringLiteral), (6, Number), (6, Gen.Elements("true", "false", "null")), (1, Gen.Elements("tru", "'x'", "undefined")));

    /// <summary>Arrays or objects nested around the gateway's limit (64 levels of arguments) and far beyond it.</summary>
    public static Gen<string> Nesting { get; } =
        from depth in Gen.OneOf(Gen.Choose(60, 70), Gen.Elements(200, 5_000))
        from objects in ArbMap.Default.GeneratorFor<bool>()
        select objects
            ? string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1)
            : new string('[', depth) + new string(']', depth);

    /// <summary>Any JSON value (and a few near-misses), nesting a little.</summary>
    public static Gen<string> Json { get; } = Gen.Sized(size => Value(Math.Min(size / 20, 3)));

    /// <summary>Any JSON value as a whole body.</summary>
    public static Gen<FrontDoorBody> JsonBody { get; } = Gen.OneOf(
            Json,
            Nesting,
            // Objects that look a little like messages.
            from members in Few(Member(Gen.Elements("jsonrpc", "id", "method", "params", "result", "error", "Method"), Value(2)))
            select "{" + string.Join(",", members) + "}")
        .Select(text => new FrontDoorBody(Encoding.UTF8.GetBytes(text)));

    public static Gen<string> Method { get; } = Gen.Frequency(
        (8, Gen.Constant("\"tools/call\"")),
        (3, Gen.Elements("\"Tools/call\"", "\"TOOLS/CALL\"", "\"tools/Call\"", "\"tools/CALL\"", "\"Tools/Call\"")),
        // Escapes that decode to tools/call exactly, and near-misses that do not.
        (2, Gen.Elements("\"tools\\/call\"", "\"tools\\u002fcall\"", "\"\\u0074ools/call\"", "\"tools/call \"", "\" tools/call\"", "\"tools/call\\u0000\"",
            "\"tools//call\"", "\"tools/call\\ud800\"")),
        (3, Gen.Elements("\"tools/list\"", "\"ping\"", "\"initialize\"", "\"resources/list\"", "\"prompts/get\"", "\"notifications/initialized\"",
            "\"notifications/cancelled\"", "\"notifications/progress\"", "\"completion/complete\"", "\"sampling/createMessage\"", "\"x/custom\"", "\"\"")),
        (1, StringLiteral),
        (1, Gen.Elements("5", "null", "[\"tools/call\"]", "{}")));

    public static Gen<string?> Id { get; } = Gen.Frequency(
        (6, Gen.Choose(0, 1_000).Select(i => (string?)i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Number.Select(n => (string?)n)),
        (2, StringLiteral.Select(s => (string?)s)),
        (1, Gen.Elements<string?>("null", "{}", "[1]", "true")),
        (1, Gen.Constant<string?>(null)));

    public static Gen<string> ToolName { get; } = Gen.Frequency(
        (6, Gen.Elements("\"echo\"", "\"blocked\"", "\"guarded\"", "\"delete_all\"")),
        // Escaped and near-miss spellings of the hidden and denied tools.
        (3, Gen.Elements("\"delete_\\u0061ll\"", "\"\\u0064elete_all\"", "\"Delete_all\"", "\"delete_all \"", "\"delete_all\\u0000\"", "\"bl\\u006fcked\"",
            "\"Blocked\"", "\"echo\\ud800\"", "\"\\u202eecho\"", "\"\"")),
        (1, StringLiteral),
        (1, Gen.Elements("5", "null", "{}", "[\"echo\"]")));

    /// <summary>Call arguments: usually an object (sometimes one the <c>guarded</c> rule denies), or deep, huge, repeated, not an object, or absent.</summary>
    public static Gen<string?> Arguments { get; } = Gen.Frequency(
        (14, from names in Gen.SubListOf("mode", "path", "query", "limit", "x", "é", "\\u202e")
             from values in Gen.Frequency((3, Value(2)), (1, Gen.Elements("\"danger\"", "\"d\\u0061nger\"", "\"safe\""))).ArrayOf(names.Count)
             select (string?)("{" + string.Join(",", names.Zip(values, (name, value) => "\"" + name + "\":" + value)) + "}")),
        (1, Nesting.Select(nesting => (string?)("{\"deep\":" + nesting + "}"))),
        (1, Number.Select(n => (string?)$$"""{"n":{{n}}}""")),
        // Repeated names, plainly or escaped: the policy and the server could each read another one.
        (1, Gen.Elements<string?>("""{"mode":"safe","mode":"danger"}""", """{"a":{"b":1,"b":2}}""", """{"mode":"safe","\u006dode":"danger"}""")),
        (1, Gen.Elements<string?>("[1]", "\"args\"", "null", "5", "[]")),
        (1, Gen.Constant<string?>(null)));

    /// <summary>A JSON-RPC message: mostly a <c>tools/call</c>, bent by up to three mutations.</summary>
    public static Gen<FrontDoorBody> Message { get; } =
        from jsonrpc in Gen.Frequency((20, Gen.Constant("\"2.0\"")), (1, Gen.Elements("\"1.0\"", "2.0", "\"2.0 \"", "null")))
        from id in Id
        from method in Method
        from name in ToolName
        from arguments in Arguments
        from extra in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("\"_meta\":{\"progressToken\":1}", "\"cursor\":\"x\"", "\"requestId\":1")))
        from mutationCount in Gen.Frequency((12, Gen.Constant(0)), (4, Gen.Constant(1)), (1, Gen.Choose(2, 3)))
        from mutations in Gen.Elements(Enum.GetValues<Mutation>()).ArrayOf(mutationCount)
        from position in Gen.Choose(0, 10_000)
        select Render(jsonrpc, id, method, name, arguments, extra, mutations, position);

    private enum Mutation
    {
        DropJsonRpc,
        DropMethod,
        DropParams,
        RepeatMethod,
        RepeatName,
        ParamsNotAnObject,
        IntoResponse,
        IntoBatch,
        Cut,
        InvalidUtf8,
        TrailingGarbage,
    }

    private static Gen<string> Value(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, from items in Few(Value(depth - 1)) select "[" + string.Join(",", items) + "]"),
            (1, from members in Few(Member(NameText, Value(depth - 1))) select "{" + string.Join(",", members) + "}"));

    /// <summary>Zero to three of <paramref name="items"/>: enough to vary, few enough that one bad item does not spoil every body.</summary>
    private static Gen<string[]> Few(Gen<string> items) => Gen.Choose(0, 3).SelectMany(count => items.ArrayOf(count));

    private static Gen<string> Text(Gen<string> pieces, int minimum = 0) =>
        from count in Gen.Choose(minimum, 5)
        from chosen in pieces.ArrayOf(count)
        select string.Concat(chosen);

    /// <summary>An object member <c>"name":value</c>; names may repeat within an object.</summary>
    private static Gen<string> Member(Gen<string> names, Gen<string> values) =>
        from name in names
        from value in values
        select "\"" + name + "\":" + value;

    private static FrontDoorBody Render(string jsonrpc, string? id, string method, string name, string? arguments, string? extra, Mutation[] mutations,
        int position)
    {
        var parameters = new List<string> { "\"name\":" + name };
        if (arguments is not null)
        {
            parameters.Add("\"arguments\":" + arguments);
        }

        if (extra is not null)
        {
            parameters.Add(extra);
        }

        if (mutations.Contains(Mutation.RepeatName))
        {
            parameters.Add("\"name\":\"delete_all\"");
        }

        var members = new List<string> { "\"jsonrpc\":" + jsonrpc };
        if (id is not null)
        {
            members.Add("\"id\":" + id);
        }

        if (mutations.Contains(Mutation.IntoResponse))
        {
            members.Add(position % 2 == 0 ? "\"result\":{\"content\":[]}" : "\"error\":{\"code\":-32000,\"message\":\"no\"}");
        }
        else
        {
            if (!mutations.Contains(Mutation.DropMethod))
            {
                members.Add("\"method\":" + method);
            }

            if (mutations.Contains(Mutation.RepeatMethod))
            {
                members.Add("\"method\":\"tools/list\"");
            }

            if (!mutations.Contains(Mutation.DropParams))
            {
                members.Add("\"params\":" + (mutations.Contains(Mutation.ParamsNotAnObject) ? "[" + name + "]" : "{" + string.Join(",", parameters) + "}"));
            }
        }

        if (mutations.Contains(Mutation.DropJsonRpc))
        {
            members.RemoveAt(0);
        }

        var text = "{" + string.Join(",", members) + "}";
        if (mutations.Contains(Mutation.IntoBatch))
        {
            text = "[" + text + "]";
        }

        if (mutations.Contains(Mutation.TrailingGarbage))
        {
            text += position % 2 == 0 ? " {}" : ",";
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        if (mutations.Contains(Mutation.Cut))
        {
            bytes = bytes[..(position % (bytes.Length + 1))];
        }

        if (mutations.Contains(Mutation.InvalidUtf8) && bytes.Length > 0)
        {
            bytes = [.. bytes[..(position % bytes.Length)], 0xC3, 0x28, .. bytes[(position % bytes.Length)..]];
        }

        return new FrontDoorBody(bytes);
    }
}
