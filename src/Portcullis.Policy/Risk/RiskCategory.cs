namespace Portcullis.Policy.Risk;

/// <summary>What a tool can do, in ascending order of risk: where signals disagree, the later one wins.</summary>
public enum RiskCategory
{
    /// <summary>Reads or computes; changes nothing.</summary>
    Read,

    /// <summary>Creates or changes data, or sends something to someone.</summary>
    Write,

    /// <summary>Runs code, commands or processes whose effects depend on what they are given.</summary>
    Execute,

    /// <summary>Deletes, overwrites or otherwise destroys what cannot easily be restored.</summary>
    Destructive,

    /// <summary>Moves money or creates financial obligations.</summary>
    Financial,
}
