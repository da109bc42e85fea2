namespace Portcullis.Policy.Documents;

/// <summary>
/// <c>validate_args</c>: each call's <c>arguments</c> are checked against the tool's input schema
/// as the server advertised it and, when the operator wrote a schema instead of <c>true</c>,
/// against that one as well.
/// </summary>
public sealed record ArgumentValidationRule
{
    /// <summary>False when written as <c>false</c>: this rule validates nothing.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The operator's JSON Schema as compact JSON; null when written as <c>true</c> or <c>false</c>.</summary>
    public string? Schema { get; init; }
}
