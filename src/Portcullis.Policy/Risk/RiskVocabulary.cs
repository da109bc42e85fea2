using System.Collections.Frozen;

namespace Portcullis.Policy.Risk;

/// <summary>
/// The word tables, built once: verbs (with their inflections), the nouns that say what a verb acts
/// on, the words of input-schema property names, negations, and the words that place a server in a
/// domain. Every lookup is an exact match on a lower-case word.
/// </summary>
internal static partial class RiskVocabulary
{
    private const WordTraits Money = WordTraits.Money;
    private const WordTraits MoneyOut = WordTraits.Money | WordTraits.MoneyOut;
    private const WordTraits Arbitrary = WordTraits.Arbitrary;
    private const WordTraits Outbound = WordTraits.Outbound;
    private const WordTraits Sweeping = WordTraits.Sweeping;
    private const WordTraits Sensitive = WordTraits.Sensitive;
    private const WordTraits Shell = WordTraits.Shell;
    private const WordTraits Store = WordTraits.Store;
    private const WordTraits Personal = WordTraits.Personal;
    private const WordTraits Cli = WordTraits.RunsOnCli;
    private const WordTraits InMoney = WordTraits.FinancialInMoneyContext;

    /// <summary>Verbs, and the nouns that stand for an action when a name is just that word (search, status).</summary>
    public static FrozenDictionary<string, WordSense> Verbs { get; } = BuildVerbs();

    /// <summary>Nouns that say what a tool acts on: money, code, secrets, many things at once.</summary>
    public static FrozenDictionary<string, WordSense> Nouns { get; } = BuildNouns();

    /// <summary>Words of input-schema property names.</summary>
    public static FrozenDictionary<string, WordSense> Properties { get; } = BuildProperties();

    /// <summary>The verb table, looked up by a span of lower-case text.</summary>
    public static FrozenDictionary<string, WordSense>.AlternateLookup<ReadOnlySpan<char>> VerbSpans { get; } = Verbs.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The noun table, looked up by a span of lower-case text.</summary>
    public static FrozenDictionary<string, WordSense>.AlternateLookup<ReadOnlySpan<char>> NounSpans { get; } = Nouns.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The property table, looked up by a span of lower-case text.</summary>
    public static FrozenDictionary<string, WordSense>.AlternateLookup<ReadOnlySpan<char>> PropertySpans { get; } = Properties.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Words that negate the verb that follows them within a few words (not, never, without).</summary>
    public static FrozenSet<string> Negators { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "not", "no", "never", "without", "non", "nor", "cannot", "can't", "doesn't", "don't", "won't", "isn't", "aren't",
        "wouldn't", "shouldn't", "nothing");

    /// <summary>The negators, looked up by a span of lower-case text.</summary>
    public static FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> NegatorSpans { get; } = Negators.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Words that place a server among payments, accounting, banking or trading.</summary>
    public static FrozenSet<string> FinancialDomain { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "payment", "payments", "billing", "accounting", "bookkeeping", "invoicing", "invoices", "banking", "bank", "finance",
        "financial", "fintech", "ledger", "wallet", "wallets", "trading", "brokerage", "broker", "exchange", "crypto",
        "cryptocurrency", "defi", "blockchain", "stripe", "paypal", "quickbooks", "xero", "plaid", "square", "checkout",
        "treasury", "payroll", "expenses", "money", "commerce", "ecommerce", "subscriptions", "onchain");

    /// <summary>Words that say a server wraps a command line, a shell or a code runner.</summary>
    public static FrozenSet<string> CliDomain { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "cli", "shell", "terminal", "bash", "zsh", "powershell", "commandline", "repl", "interpreter", "subprocess",
        "sandbox", "codex", "docker", "container", "containers", "kubectl");

    /// <summary>The financial domain words, looked up by a span of lower-case text.</summary>
    public static FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> FinancialDomainSpans { get; } = FinancialDomain.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The command-line domain words, looked up by a span of lower-case text.</summary>
    public static FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CliDomainSpans { get; } = CliDomain.GetAlternateLookup<ReadOnlySpan<char>>();
}
