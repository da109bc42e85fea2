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
        Span<Range> ranges = stackalloc Range[Words.MaxIdentifierWords];
        Span<char> buffer = stackalloc char[Words.MaxWordLength];
        foreach (var property in Tool.Properties)
        {
            var count = Words.Split(property.Name, ranges);
            for (var i = 0; i < count; i++)
            {
                if (RiskVocabulary.PropertySpans.TryGetValue(Words.Lower(property.Name.AsSpan()[ranges[i]], buffer), out var sense) && Fits(sense, property.Type))
                {
                    Note(sense.Traits, property.Name);
                    if (sense.Category is { } category)
                    {
                        AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, property.Name, PropertyWeight * sense.Strength, category));
                    }

                    break;
                }
            }

            if (!string.IsNullOrEmpty(property.Description) && FirstCodeNoun(property.Description, buffer) is var (word, noun))
            {
                Note(noun.Traits);
                AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, $"{property.Name}: {word}", PropertyDescriptionWeight * noun.Strength, noun.Category!.Value));
            }
        }
    }

    // The first word of the description's first sentence that names code to run (a shell command, a script).
    private static (string Word, WordSense Noun)? FirstCodeNoun(string description, Span<char> buffer)
    {
        var start = -1;
        for (var i = 0; i <= description.Length; i++)
        {
            if (i < description.Length && char.IsLetterOrDigit(description[i]))
            {
                start = start < 0 ? i : start;
                continue;
            }

            if (start >= 0)
            {
                var word = Words.Lower(description.AsSpan(start, i - start), buffer);
                if (RiskVocabulary.NounSpans.TryGetValue(word, out var noun) && noun.Category is not null && noun.Has(WordTraits.Arbitrary))
                {
                    return (word.ToString(), noun);
                }

                start = -1;
            }

            if (i < description.Length && Words.IsSentenceEnd(description, i))
            {
                break;
            }
        }

        return null;
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
