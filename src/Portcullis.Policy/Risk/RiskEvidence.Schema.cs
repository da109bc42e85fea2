namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double PropertyWeight = 1.0;
    private const double PropertyDescriptionWeight = 0.3;
    private const double SchemaCap = 1.5;
    private const double SchemaReadCap = 0.6;

    /// <summary>
    /// The words of property names (a "command" string, an "amount", a "force" flag), and the
    /// nouns of property descriptions ("the shell command to run"), each category capped so that a
    /// long schema does not outweigh the name.
    /// </summary>
    private void AddSchema()
    {
        if (Tool.Properties.Count == 0)
        {
            return;
        }

        Span<double> budget = stackalloc double[CategoryCount];
        foreach (var property in Tool.Properties)
        {
            foreach (var word in Words.OfIdentifier(property.Name))
            {
                if (RiskVocabulary.Properties.TryGetValue(word, out var sense) && Fits(sense, property.Type))
                {
                    Note(sense.Traits, property.Name);
                    if (sense.Category is { } category)
                    {
                        AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, property.Name, PropertyWeight * sense.Strength, category));
                    }

                    break;
                }
            }

            if (string.IsNullOrWhiteSpace(property.Description))
            {
                continue;
            }

            foreach (var (word, sentence) in Words.OfProse(property.Description))
            {
                if (sentence == 0 && RiskVocabulary.Nouns.TryGetValue(word, out var noun) && noun.Category is { } category
                    && noun.Has(WordTraits.Arbitrary))
                {
                    Note(noun.Traits);
                    AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, $"{property.Name}: {word}", PropertyDescriptionWeight * noun.Strength, category));
                    break;
                }
            }
        }
    }

    // A "code" that is a number is a status code, a "force" that is a string is not a flag.
    private static bool Fits(WordSense sense, string? type) => sense.Category switch
    {
        RiskCategory.Execute => type is null or "string" or "array",
        RiskCategory.Destructive => type is null or "boolean",
        _ => true,
    };

    private void AddCapped(Span<double> budget, RiskSignal signal)
    {
        var cap = signal.Points == RiskCategory.Read ? SchemaReadCap : SchemaCap;
        var weight = Math.Min(signal.Weight, cap - budget[(int)signal.Points]);
        if (weight > 0)
        {
            budget[(int)signal.Points] += weight;
            Add(signal with { Weight = weight });
        }
    }
}
