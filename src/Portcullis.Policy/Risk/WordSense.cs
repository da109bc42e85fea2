namespace Portcullis.Policy.Risk;

/// <summary>
/// What one word in the word tables means: the category it points to (null for a word that only
/// carries traits), how strongly, and its traits.
/// </summary>
internal readonly record struct WordSense(RiskCategory? Category, double Strength, WordTraits Traits)
{
    public bool Has(WordTraits trait) => (Traits & trait) != 0;
}
