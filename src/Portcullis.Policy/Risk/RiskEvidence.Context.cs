namespace Portcullis.Policy.Risk;

internal sealed partial class RiskEvidence
{
    private const double MoneyVerbWeight = 1.2;
    private const double FinancialServerWeight = 0.8;
    private const double CliServerWeight = 1.3;

    /// <summary>
    /// Verbs that move money only when money is their object (transfer, capture, create) point to
    /// Financial when the name, the first sentence or the input schema is about money.
    /// </summary>
    private void AddMoneyContext(List<WordSense> nameVerbs, List<WordSense> descriptionVerbs)
    {
        if ((Traits & WordTraits.Money) == 0)
        {
            return;
        }

        foreach (var (verbs, kind) in new[] { (nameVerbs, RiskSignalKinds.Name), (descriptionVerbs, RiskSignalKinds.Description) })
        {
            foreach (var verb in verbs)
            {
                if (verb.Has(WordTraits.FinancialInMoneyContext))
                {
                    Note(WordTraits.Money);
                    Add(new RiskSignal(kind, $"{VerbWord(kind)} on money", MoneyVerbWeight * (kind == RiskSignalKinds.Name ? 1 : 0.6), RiskCategory.Financial));
                    break;
                }
            }
        }
    }

    /// <summary>
    /// A payments or accounting server makes its money verbs Financial; a server wrapping a
    /// command line makes its generate and run verbs Execute.
    /// </summary>
    private void AddServer(List<WordSense> nameVerbs, List<WordSense> descriptionVerbs)
    {
        if (Server.IsFinancial)
        {
            var moneyVerb = nameVerbs.Concat(descriptionVerbs).Any(v => v.Category == RiskCategory.Financial || v.Has(WordTraits.FinancialInMoneyContext));
            var changes = nameVerbs.Any(v => v.Category != RiskCategory.Read);
            if (moneyVerb && changes && (Traits & WordTraits.Money) != 0)
            {
                Add(new RiskSignal(RiskSignalKinds.Server, Server.FinancialEvidence!, FinancialServerWeight, RiskCategory.Financial));
            }
        }

        if (Server.WrapsCli && nameVerbs.Concat(descriptionVerbs).Any(v => v.Has(WordTraits.RunsOnCli)))
        {
            Add(new RiskSignal(RiskSignalKinds.Server, Server.CliEvidence!, CliServerWeight, RiskCategory.Execute));
        }
    }

    private string VerbWord(string kind)
    {
        foreach (var signal in _signals)
        {
            if (signal.Kind == kind)
            {
                return signal.Evidence;
            }
        }

        return kind;
    }
}
