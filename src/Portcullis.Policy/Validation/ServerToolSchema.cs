namespace Portcullis.Policy.Validation;

/// <summary>
/// What the gateway knows of a tool's input schema as the server advertised it: the schema, or
/// why there is none to check against (the server does not list the tool, its schema is not a
/// valid JSON Schema, its tool list could not be read). Either way <c>validate_args</c> decides.
/// </summary>
public sealed class ServerToolSchema
{
    private ServerToolSchema(ArgumentSchema? schema, string? problem)
    {
        Schema = schema;
        Problem = problem;
    }

    /// <summary>The compiled schema; null when <see cref="Problem"/> says why there is none.</summary>
    public ArgumentSchema? Schema { get; }

    /// <summary>Why there is no schema, as the end of a sentence ("the server lists no tool named 'x'").</summary>
    public string? Problem { get; }

    /// <summary>The tool's schema.</summary>
    public static ServerToolSchema Of(ArgumentSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new ServerToolSchema(schema, null);
    }

    /// <summary>No schema, for the reason given.</summary>
    public static ServerToolSchema Unavailable(string problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(problem);
        return new ServerToolSchema(null, problem);
    }
}
