namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double PropertyWeight = 1.0;
    private const double PropertyDescriptionWeight = 0.5;
    private const double ActionWeight = 0.9;
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
            var isAction = IsActionProperty(property.Name, ranges, buffer);
            if (isAction)
            {
                AddActions(budget, property, buffer);
            }

            var count = Words.Split(property.Name, ranges);
            if (count > 1 && Words.Lower(property.Name.AsSpan()[ranges[count - 1]], buffer) is "id" or "ids" or "key" or "name" or "type" or "uuid")
            {
                // data_source_id names a thing; it is not data.
                continue;
            }

            for (var i = 0; i < count && !isAction; i++)
            {
                if (RiskVocabulary.PropertySpans.TryGetValue(Words.Lower(property.Name.AsSpan()[ranges[i]], buffer), out var sense) && Fits(sense, property))
                {
                    Note(sense.Traits, property.Name);
                    if (sense.Category is { } category)
                    {
                        AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, property.Name, PropertyWeight * sense.Strength, category));
                    }

                    break;
                }
            }

            if (!isAction && property.Values.Count == 0 && !string.IsNullOrEmpty(property.Description)
                && FirstCodeNoun(property.Description, buffer) is var (word, noun))
            {
                Note(noun.Traits);
                AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, $"{property.Name}: {word}", PropertyDescriptionWeight * noun.Strength, noun.Category!.Value));
            }
        }
    }

    // "action", "mode", "operation", "subcommand": a property that picks what the tool does.
    private static bool IsActionProperty(string name, Span<Range> ranges, Span<char> buffer)
    {
        var count = Words.Split(name, ranges);
        return count > 0 && Words.Lower(name.AsSpan()[ranges[count - 1]], buffer) is "action" or "mode" or "operation" or "op" or "subcommand"
            or "command" or "cmd";
    }

    /// <summary>
    /// The actions an action property offers, from its enum or, without one, the quoted words of its
    /// description ('create', 'list', 'remove'): the tool can do each, so each counts as if it were the name's verb.
    /// </summary>
    private void AddActions(Span<double> budget, SchemaProperty property, Span<char> buffer)
    {
        var found = false;
        if (property.Values.Count > 0)
        {
            foreach (var value in property.Values)
            {
                found |= AddAction(budget, property, value, buffer);
            }
        }
        else if (property.Description is { } description)
        {
            var words = Words.OfProse(description);
            for (var i = 0; i < words.Count; i++)
            {
                found |= AddAction(budget, property, words.WordAt(i), buffer);
            }
        }

        if (!found && property.Values.Count == 0 && property.Name.Contains("command", StringComparison.OrdinalIgnoreCase))
        {
            // A free-form command is code to run, not a choice among actions.
            Note(WordTraits.Arbitrary | WordTraits.Shell, property.Name);
            AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, property.Name, PropertyWeight, RiskCategory.Execute));
        }
    }

    private bool AddAction(Span<double> budget, SchemaProperty property, string value, Span<char> buffer)
    {
        Span<Range> ranges = stackalloc Range[4];
        var count = Words.Split(value, ranges);
        if (count == 0 || !RiskVocabulary.VerbSpans.TryGetValue(Words.Lower(value.AsSpan()[ranges[0]], buffer), out var verb)
            || verb.Category is not { } category || category == RiskCategory.Read || verb.Has(WordTraits.Inflected))
        {
            return false;
        }

        Note(verb.Traits & ~VerbOnlyTraits, value);
        AddCapped(budget, new RiskSignal(RiskSignalKinds.InputSchema, $"{property.Name}: {value}", ActionWeight * verb.Strength, category));
        return true;
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

    // A "code" that is a number is a status code, a "force" that is a string is not a flag, and a
    // "script" chosen from a list is not code of the caller's.
    private static bool Fits(WordSense sense, SchemaProperty property) => sense.Category switch
    {
        RiskCategory.Execute => property.Type is null or "string" or "array" && property.Values.Count == 0,
        RiskCategory.Destructive => property.Type is null or "boolean",
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
