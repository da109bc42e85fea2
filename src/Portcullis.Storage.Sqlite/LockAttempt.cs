namespace Portcullis.Storage.Sqlite;

/// <summary>What came of trying to take the counters' lock.</summary>
internal enum LockAttempt
{
    /// <summary>This process holds it now.</summary>
    Taken,

    /// <summary>Another holder's kind of lock excludes the one asked for.</summary>
    HeldElsewhere,

    /// <summary>The lock file cannot be opened (permissions, a missing directory): this process can neither own the counters nor know who does.</summary>
    Unusable,
}
