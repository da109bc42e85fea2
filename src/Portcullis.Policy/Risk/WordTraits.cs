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

    /// <summary>Runs code it is given (a script, SQL, an expression).</summary>
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
    ExecutesCode = 1 << 8,

    /// <summary>A verb that destroys when a whole store is its object (drop a table), and otherwise only moves things.</summary>
    DestroysStores = 1 << 9,

    /// <summary>The -s form of a verb (deletes), also the plural of a noun (updates).</summary>
    ThirdPerson = 1 << 10,

    /// <summary>The -ed form of a verb (deleted), most often an adjective in a description.</summary>
    Past = 1 << 11,

    /// <summary>The -ing form of a verb (deleting), often an adjective (existing, pending).</summary>
    Gerund = 1 << 12,

    /// <summary>A shell or command line: Execute at its most severe.</summary>
    Shell = 1 << 13,

    /// <summary>A whole store (a database, a table, a repository): what "drop" destroys.</summary>
    Store = 1 << 14,

    /// <summary>Content people wrote or that is about them (files, messages, profiles): reading it is not harmless.</summary>
    Personal = 1 << 15,

    /// <summary>The forms of a verb other than its base.</summary>
    Inflected = ThirdPerson | Past | Gerund,

}
