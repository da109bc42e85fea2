namespace Portcullis.Policy.Risk;

/// <summary>What a word says beyond its category: facts that move severity or reinterpret a verb.</summary>
[Flags]
internal enum WordTraits
{
    None = 0,

    /// <summary>About money: a money noun, or a verb that moves money when money is its object.</summary>
    Money = 1 << 0,

    /// <summary>Moves money out (pay, transfer, payout): Financial at its most severe.</summary>
    MoneyOut = 1 << 1,

    /// <summary>Runs whatever it is given (shell, command, eval): Execute at its most severe.</summary>
    Arbitrary = 1 << 2,

    /// <summary>Reaches people beyond the server (send, publish, email).</summary>
    Outbound = 1 << 3,

    /// <summary>Acts on many things at once or past safeguards (all, bulk, force, recursive).</summary>
    Sweeping = 1 << 4,

    /// <summary>Secrets and personal data.</summary>
    Sensitive = 1 << 5,

    /// <summary>A verb that, on a server wrapping a command line, runs that command line.</summary>
    RunsOnCli = 1 << 6,

    /// <summary>Points to Financial only when money is in view (transfer, capture, cancel).</summary>
    FinancialInMoneyContext = 1 << 7,

    /// <summary>A verb that runs what it is given when that is code (evaluate a script, test a function).</summary>
    ExecutesCode = 1 << 9,

    /// <summary>Cannot be undone (permanently, irreversible).</summary>
    Irreversible = 1 << 8,
}
