namespace Portcullis.Policy.Risk;

/// <summary>
/// The signals found in one tool and its server's context, with the score each category has
/// gathered and the traits (money, sweeping, outbound…) that set severity. Filled once by
/// <see cref="Collect"/>, then read by <see cref="RiskVerdict"/>.
/// </summary>
internal sealed partial class RiskEvidence
{
    private const double NegatedFactor = 0.5;
    private const int CategoryCount = (int)RiskCategory.Financial + 1;

    private readonly List<RiskSignal> _signals = new(12);
    private readonly double[] _scores = new double[CategoryCount];

    private RiskEvidence(ToolDefinition tool, ServerProfile server)
    {
        Tool = tool;
        Server = server;
    }

    public ToolDefinition Tool { get; }

    public ServerProfile Server { get; }

    /// <summary>The signals that count, in the order found.</summary>
    public IReadOnlyList<RiskSignal> Signals => _signals;

    /// <summary>Hints the server gave that would lower the risk; they count only when the other signals agree.</summary>
    public List<RiskSignal> LoweringHints { get; } = new(2);

    /// <summary>Traits of the words found: money, sweeping, outbound, arbitrary execution, secrets.</summary>
    public WordTraits Traits { get; private set; }

    /// <summary>True when the tool's description is missing or blank.</summary>
    public bool DescriptionEmpty { get; private set; }

    /// <summary>True when money is mentioned anywhere in the description.</summary>
    public bool MoneyMentioned { get; private set; }

    /// <summary>True when the description says the tool changes nothing (read-only, does not modify).</summary>
    public bool Negated { get; private set; }

    /// <summary>The first word about money found (in the name, the first sentence or the input schema), if any.</summary>
    public string? MoneyWord { get; private set; }

    public double ScoreOf(RiskCategory category) => _scores[(int)category];

    public double TotalScore => _scores.Sum();

    public static RiskEvidence Collect(ToolDefinition tool, ServerProfile server)
    {
        var evidence = new RiskEvidence(tool, server);
        var nameVerbs = evidence.AddName();
        evidence.AddTitle();
        var descriptionVerbs = evidence.AddDescription();
        evidence.AddSchema();
        if (evidence.Negated)
        {
            evidence.DampenNegated();
        }

        evidence.AddMoneyContext(nameVerbs, descriptionVerbs);
        evidence.AddCodeContext(nameVerbs, descriptionVerbs);
        evidence.AddStoreContext(nameVerbs, descriptionVerbs);
        evidence.AddServer(nameVerbs, descriptionVerbs);
        evidence.AddAnnotations();
        return evidence;
    }

    /// <summary>
    /// Once the description says the tool changes nothing, what its other sentences and its input
    /// schema suggest about changing things counts half: "reads a file; does not write" mentions writing.
    /// The name is left as it is.
    /// </summary>
    private void DampenNegated()
    {
        for (var i = 0; i < _signals.Count; i++)
        {
            var signal = _signals[i];
            if (signal.Kind is RiskSignalKinds.Description or RiskSignalKinds.InputSchema
                && signal.Points is RiskCategory.Write or RiskCategory.Execute or RiskCategory.Destructive)
            {
                _signals[i] = signal with { Weight = signal.Weight * NegatedFactor };
                _scores[(int)signal.Points] -= signal.Weight * (1 - NegatedFactor);
            }
        }
    }

    /// <summary>Counts a lowering hint once the other signals have been found to agree with it.</summary>
    public void Accept(RiskSignal hint) => Add(hint);

    private void Add(RiskSignal signal)
    {
        _signals.Add(signal);
        _scores[(int)signal.Points] += signal.Weight;
    }

    private void Note(WordTraits traits, string? word = null)
    {
        // A noun that is about money only among money (an order, a transfer, a card) counts as money
        // only on a server whose context is about money.
        if ((traits & WordTraits.FinancialInMoneyContext) != 0)
        {
            traits &= ~(WordTraits.FinancialInMoneyContext | (Server.IsFinancial ? WordTraits.None : WordTraits.Money));
        }

        Traits |= traits;
        if (MoneyWord is null && word is not null && (traits & WordTraits.Money) != 0)
        {
            MoneyWord = word;
        }
    }
}
