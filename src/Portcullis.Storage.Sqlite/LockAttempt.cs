namespace Portcullis.Storage.Sqlite;

/// <summary>What came of trying to take the counters' lock.</summary>
internal enum LockAttempt
{
    /// <summary>This process holds it now.</summary>
    Taken,

    /// <summary>Another holder's kind of lock excludes the one asked for.</summary>
    HeldElsewhere,

    /// <summary>The lock file cannot be opened at all (permissions): nobody can own the counters, so every process reserves in the file.</summary>
    Unusable,
}
