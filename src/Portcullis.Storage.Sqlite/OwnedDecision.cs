namespace Portcullis.Storage.Sqlite;

/// <summary>What <see cref="OwnedCounters"/> made of a reservation or a release.</summary>
internal enum OwnedDecision
{
    /// <summary>Taken (or given back).</summary>
    Acquired,

    /// <summary>Over the maximum: nothing taken.</summary>
    Full,

    /// <summary>Not in memory yet: read its stored value and ask again.</summary>
    NotLoaded,

    /// <summary>Changes could not be written to the file: the store is unavailable until they are.</summary>
    Unwritable,

    /// <summary>No longer owned: reserve in the file.</summary>
    Closed,
}
