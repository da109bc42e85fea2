using System.Text.Json;

namespace Portcullis.Interop;

/// <summary>One check of a conformance scenario, as the suite writes it to <c>checks.json</c>.</summary>
/// <param name="Status"><c>SUCCESS</c>, <c>FAILURE</c>, <c>WARNING</c>, <c>SKIPPED</c> or <c>INFO</c>.</param>
/// <param name="Details">What the suite saw: status codes, bodies, results.</param>
internal sealed record ConformanceCheck(string Id, string Status, string Description, string? ErrorMessage, JsonElement? Details)
{
    public const string Success = "SUCCESS";

    public const string Failure = "FAILURE";

    public bool Failed => Status == Failure;
}
