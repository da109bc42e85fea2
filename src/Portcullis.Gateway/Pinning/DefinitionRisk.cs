using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Gateway.Pinning;

/// <summary>
/// A pinned definition as audit records and the admin API describe it: its hash, and the risk
/// classifier's category and severity for it. The server is classified as unknown: the verdict
/// rests on the definition alone, so the old and new definitions of a tool compare like for like.
/// </summary>
internal static class DefinitionRisk
{
    /// <summary>The classifier's verdict on a canonical definition.</summary>
    public static RiskAssessment Classify(string canonical)
    {
        using var document = JsonDocument.Parse(canonical);
        return RiskClassifier.Classify(ServerContext.Unknown, document.RootElement);
    }

    /// <summary><c>{"category":"read","severity":"low","sha256":"…"}</c>, for a record's before or after.</summary>
    public static string Describe(string hash, string canonical)
    {
        var risk = Classify(canonical);
        return $$"""{"category":"{{Name(risk.Category)}}","severity":"{{Name(risk.Severity)}}","sha256":"{{hash}}"}""";
    }

    /// <summary>A category or severity as written in records and answers: its name in lower case.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
