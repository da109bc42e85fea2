using System.Collections.Frozen;

namespace Portcullis.Policy.Evaluation;

/// <summary>The identity a call runs under, as the policy sees it.</summary>
public sealed class PolicyGrant
{
    /// <summary>Creates a grant view with the given name and labels.</summary>
    public PolicyGrant(string name, IEnumerable<KeyValuePair<string, string>>? labels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Labels = (labels ?? []).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The grant's unique name.</summary>
    public string Name { get; }

    /// <summary>Operator-assigned labels, e.g. <c>team: payments</c>.</summary>
    public FrozenDictionary<string, string> Labels { get; }
}
