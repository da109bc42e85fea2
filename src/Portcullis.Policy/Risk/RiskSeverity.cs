namespace Portcullis.Policy.Risk;

/// <summary>How much harm a call of the tool can do, in ascending order.</summary>
public enum RiskSeverity
{
    /// <summary>Little harm even when misused.</summary>
    Low,

    /// <summary>Changes that can be noticed and undone.</summary>
    Medium,

    /// <summary>Changes that are hard to undo or reach beyond the server.</summary>
    High,

    /// <summary>Arbitrary execution, bulk or forced destruction, or money leaving.</summary>
    Critical,
}
