namespace Portcullis.Policy.Risk;

/// <summary>The values of <see cref="RiskSignal.Kind"/>.</summary>
public static class RiskSignalKinds
{
    /// <summary>A word of the tool's name (or title).</summary>
    public const string Name = "name";

    /// <summary>A word of the tool's description.</summary>
    public const string Description = "description";

    /// <summary>A statement in the description that the tool does not change or delete anything.</summary>
    public const string Negation = "negation";

    /// <summary>A property of the tool's input schema: its name, type or description.</summary>
    public const string InputSchema = "inputSchema";

    /// <summary>One of the tool's annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint).</summary>
    public const string Annotation = "annotation";

    /// <summary>The server's context: its name, title, instructions or the operator's description.</summary>
    public const string Server = "server";
}
