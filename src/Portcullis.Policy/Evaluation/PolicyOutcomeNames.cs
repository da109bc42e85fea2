namespace Portcullis.Policy.Evaluation;

/// <summary>The spelling of each <see cref="PolicyOutcome"/> where people write or read one: <c>allow</c>, <c>deny</c>, <c>require_approval</c>.</summary>
public static class PolicyOutcomeNames
{
    private static readonly string[] s_names = ["allow", "deny", "require_approval"];

    /// <summary>Every outcome name.</summary>
    public static IReadOnlyList<string> All => s_names;

    /// <summary>The name of <paramref name="outcome"/>.</summary>
    public static string NameOf(PolicyOutcome outcome) => outcome switch
    {
        PolicyOutcome.Allow => "allow",
        PolicyOutcome.Deny => "deny",
        _ => "require_approval",
    };

    /// <summary>The outcome named exactly <paramref name="name"/>; false when there is none.</summary>
    public static bool TryParse(string name, out PolicyOutcome outcome)
    {
        var index = Array.IndexOf(s_names, name);
        outcome = index < 0 ? default : (PolicyOutcome)index;
        return index >= 0;
    }
}
