namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double FinancialServerWeight = 0.8;
    private const double CliServerWeight = 1.3;

    /// <summary>
    /// A verb that moves money only when money is its object (transfer, capture, create) is read
    /// as Financial when the name, the first sentence or the input schema is about money.
    /// </summary>
    private void AddMoneyContext(List<FoundVerb> nameVerbs, List<FoundVerb> descriptionVerbs)
    {
        if ((Traits & WordTraits.Money) == 0 && !(Server.IsFinancial && MoneyMentioned))
        {
            return;
        }

        foreach (var verb in nameVerbs.Concat(descriptionVerbs))
        {
            if (verb.Sense.Has(WordTraits.FinancialInMoneyContext))
            {
                Repoint(verb, RiskCategory.Financial, verb.Word == MoneyWord ? verb.Word : $"{verb.Word} … {MoneyWord}");
            }
        }
    }

    /// <summary>
    /// A verb that destroys when a whole store is its object (drop) is read as Destructive when one
    /// is in view (drop a table, drop all), and as a plain change otherwise (drop a file onto a page).
    /// </summary>
    private void AddStoreContext(List<FoundVerb> nameVerbs, List<FoundVerb> descriptionVerbs)
    {
        if ((Traits & (WordTraits.Sweeping | WordTraits.Store)) == 0)
        {
            return;
        }

        foreach (var verb in nameVerbs.Concat(descriptionVerbs))
        {
            if (verb.Sense.Has(WordTraits.DestroysStores) && _signals[verb.Signal].Points < RiskCategory.Destructive)
            {
                Repoint(verb, RiskCategory.Destructive, verb.Word);
            }
        }
    }

    /// <summary>
    /// A verb that runs what it is given when that is code (evaluate, interpret) is read as Execute
    /// when a script, an expression or a command is in view.
    /// </summary>
    private void AddCodeContext(List<FoundVerb> nameVerbs, List<FoundVerb> descriptionVerbs)
    {
        if ((Traits & WordTraits.Arbitrary) == 0)
        {
            return;
        }

        foreach (var verb in nameVerbs.Concat(descriptionVerbs))
        {
            if (verb.Sense.Has(WordTraits.ExecutesCode) && _signals[verb.Signal].Points < RiskCategory.Execute)
            {
                Repoint(verb, RiskCategory.Execute, verb.Word);
            }
        }
    }

    /// <summary>
    /// A payments or accounting server makes its money verbs Financial; a server wrapping a
    /// command line makes its generate and run verbs Execute.
    /// </summary>
    private void AddServer(List<FoundVerb> nameVerbs, List<FoundVerb> descriptionVerbs)
    {
        if (Server.IsFinancial)
        {
            // A tool that changes things on a money server, and whose name, description or input
            // is about money, is taken to move it.
            var changes = nameVerbs.Count > 0 ? nameVerbs.Any(v => _signals[v.Signal].Points != RiskCategory.Read) : descriptionVerbs.Any(v => _signals[v.Signal].Points != RiskCategory.Read);
            if (changes && ((Traits & WordTraits.Money) != 0 || MoneyMentioned))
            {
                Add(new RiskSignal(RiskSignalKinds.Server, Server.FinancialEvidence!, FinancialServerWeight, RiskCategory.Financial));
            }
        }

        if (Server.WrapsCli)
        {
            var runs = false;
            foreach (var verb in nameVerbs.Concat(descriptionVerbs))
            {
                if (verb.Sense.Has(WordTraits.RunsOnCli) && _signals[verb.Signal].Points < RiskCategory.Execute)
                {
                    Repoint(verb, RiskCategory.Execute, verb.Word);
                    runs = true;
                }
            }

            if (runs)
            {
                Add(new RiskSignal(RiskSignalKinds.Server, Server.CliEvidence!, CliServerWeight, RiskCategory.Execute));
            }
        }
    }

    /// <summary>Reads a verb found earlier in a new light: "create" on a payment moves money, "generate" on a command line runs it.</summary>
    private void Repoint(FoundVerb verb, RiskCategory category, string evidence)
    {
        var signal = _signals[verb.Signal];
        _scores[(int)signal.Points] -= signal.Weight;
        _signals[verb.Signal] = signal with { Evidence = evidence, Points = category };
        _scores[(int)category] += signal.Weight;
    }
}
