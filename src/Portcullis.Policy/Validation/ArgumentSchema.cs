using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Pointer;
using Json.Schema;

namespace Portcullis.Policy.Validation;

/// <summary>
/// A JSON Schema that a tool call's <c>arguments</c> must satisfy, built once and checked on every
/// call. Draft 2020-12 unless the schema declares another dialect with <c>$schema</c> (draft-07 and
/// 2019-09 are honoured too). Nothing is ever fetched: a reference that does not resolve inside the
/// schema fails the check, so the call is denied rather than let through unchecked.
/// </summary>
/// <remarks>
/// The library matches <c>pattern</c> and <c>patternProperties</c> on .NET's backtracking engine with
/// a fixed five-second limit per match, and offers no way to choose another engine. A pattern that
/// runs into that limit (a catastrophic one such as <c>^(a+)+$</c>, from a careless or hostile
/// server) would otherwise cost five seconds of a core on every call that reaches it; instead the
/// schema is retired on the first such match and every later call against it is denied at once,
/// until the schema is rebuilt (the server's tool list changes or the policy is saved again).
/// </remarks>
public sealed class ArgumentSchema
{
    /// <summary>How many of an enum's values a problem quotes.</summary>
    private const int MaxListedValues = 10;

    private static readonly JsonWriterOptions s_quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonSchema _schema;
    private readonly JsonElement _source;
    private readonly EvaluationOptions _quick;
    private readonly EvaluationOptions _detailed;
    private volatile string? _retired;

    private ArgumentSchema(JsonSchema schema, JsonElement source)
    {
        _schema = schema;
        _source = source;
        // Each options instance has a registry of its own, so an $id in one server's schema can never
        // stand in for a schema of another server or of the policy.
        _quick = new EvaluationOptions { OutputFormat = OutputFormat.Flag };
        _detailed = new EvaluationOptions { OutputFormat = OutputFormat.List };
    }

    /// <summary>Builds a schema from its JSON text.</summary>
    /// <exception cref="ArgumentSchemaException">The text is not JSON, or not a JSON Schema this library can build.</exception>
    public static ArgumentSchema Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonSchema schema;
        JsonElement source;
        try
        {
            schema = JsonSchema.FromText(json);
            // The schema's text too, to quote its keywords in problems: an element rather than a
            // node, since calls read it concurrently and nodes materialise lazily.
            using var document = JsonDocument.Parse(json);
            source = document.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            throw new ArgumentSchemaException(FirstLine(e.Message), e);
        }

        var built = new ArgumentSchema(schema, source);
        // A schema whose keywords cannot be put together (a bad $ref, a malformed pattern) fails
        // here, once, rather than on every call.
        built.Problems(default, maxProblems: 1);
        return built;
    }

    /// <summary>Whether <paramref name="arguments"/> (undefined when the call has none) satisfy the schema.</summary>
    public bool IsValid(JsonElement arguments)
    {
        if (_retired is not null)
        {
            return false;
        }

        var instance = ToNode(arguments);
        try
        {
            return _schema.Evaluate(instance, _quick).IsValid;
        }
        catch (RegexMatchTimeoutException e)
        {
            Retire(e);
            return false;
        }
        catch (Exception e) when (IsSchemaFault(e))
        {
            return false;
        }
    }

    /// <summary>Every way <paramref name="arguments"/> fail the schema, at most <paramref name="maxProblems"/>, in document order.</summary>
    /// <exception cref="ArgumentSchemaException">The schema itself could not be evaluated (e.g. a reference that does not resolve).</exception>
    public IReadOnlyList<ArgumentProblem> Problems(JsonElement arguments, int maxProblems)
    {
        if (_retired is { } retired)
        {
            throw new ArgumentSchemaException(retired);
        }

        var instance = ToNode(arguments);
        EvaluationResults results;
        try
        {
            results = _schema.Evaluate(instance, _detailed);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new ArgumentSchemaException(Retire(e), e);
        }
        catch (Exception e) when (IsSchemaFault(e))
        {
            throw new ArgumentSchemaException(FirstLine(e.Message), e);
        }

        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<ArgumentProblem>();
        foreach (var result in results.Details.Prepend(results))
        {
            if (result.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var path = ArgumentPath.Format(result.InstanceLocation, arguments);
            foreach (var (keyword, message) in errors)
            {
                var problem = new ArgumentProblem(path, Describe(result, keyword, message));
                if (!problems.Contains(problem))
                {
                    problems.Add(problem);
                }
            }
        }

        if (problems.Count == 0)
        {
            problems.Add(new ArgumentProblem("$", "does not match the schema"));
        }

        return problems.Count > maxProblems ? problems[..maxProblems] : problems;
    }

    private string Retire(RegexMatchTimeoutException e)
    {
        var reason = $"its pattern '{Shorten(e.Pattern)}' took longer than {e.MatchTimeout.TotalSeconds:0.#} s to match, so the schema is no longer used";
        _retired ??= reason;
        return _retired;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static JsonNode? ToNode(JsonElement arguments) => arguments.ValueKind switch
    {
        JsonValueKind.Undefined => new JsonObject(),
        JsonValueKind.Object => JsonObject.Create(arguments),
        _ => JsonValue.Create(arguments),
    };

    /// <summary>Makes the library's wording read as a sentence about the argument, quoting the schema where that tells the caller what would pass.</summary>
    private string Describe(EvaluationResults result, string keyword, string message)
    {
        if (keyword is "const" or "enum" or "pattern" && KeywordValue(result, keyword) is { } wanted)
        {
            switch (keyword)
            {
                case "const":
                    return "should be " + Quote(wanted);
                case "enum" when wanted.ValueKind == JsonValueKind.Array && wanted.GetArrayLength() > 0:
                    var count = wanted.GetArrayLength();
                    var listed = string.Join(", ", wanted.EnumerateArray().Take(MaxListedValues).Select(Quote));
                    return "should be one of " + listed + (count > MaxListedValues ? $" (or {count - MaxListedValues} more)" : "");
                case "pattern" when wanted.ValueKind == JsonValueKind.String:
                    return "should match the pattern " + Shorten(wanted.GetString()!);
            }
        }

        var evaluationPath = result.EvaluationPath;
        var parent = evaluationPath.Count > 0 ? evaluationPath[evaluationPath.Count - 1] : null;
        if (message.Contains("false schema", StringComparison.OrdinalIgnoreCase)
            && parent is "additionalProperties" or "unevaluatedProperties")
        {
            return $"is not allowed ({parent} is false)";
        }

        var sentence = message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : keyword;
        return sentence.TrimEnd('.');
    }

    /// <summary>
    /// The value of <paramref name="keyword"/> in the subschema that reported it, read from the
    /// schema's own text; null when that subschema lies under a nested <c>$id</c> (its location is
    /// then not a pointer into this text).
    /// </summary>
    private JsonElement? KeywordValue(EvaluationResults result, string keyword)
    {
        var location = result.SchemaLocation;
        if (location is null
            || !string.Equals(location.GetLeftPart(UriPartial.Query), _schema.BaseUri.GetLeftPart(UriPartial.Query), StringComparison.Ordinal)
            || !JsonPointer.TryParse(location.Fragment.Length > 0 ? location.Fragment : "#", out var pointer)
            || pointer.Evaluate(_source) is not { ValueKind: JsonValueKind.Object } subschema)
        {
            return null;
        }

        return subschema.TryGetProperty(keyword, out var value) ? value : null;
    }

    private static string Quote(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_quoting))
        {
            value.WriteTo(writer);
        }

        return Shorten(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static bool IsSchemaFault(Exception e) =>
        e is JsonSchemaException or RefResolutionException or InvalidOperationException or ArgumentException or FormatException or NotSupportedException;

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}

/// <summary>One way a call's arguments fail a schema: where (a JSON path such as <c>$.items[0]</c>) and what is wrong.</summary>
public sealed record ArgumentProblem(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A schema could not be built or evaluated.</summary>
public sealed class ArgumentSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ArgumentSchemaException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ArgumentSchemaException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ArgumentSchemaException(string message)
        : base(message)
    {
    }
}
