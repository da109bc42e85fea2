namespace Portcullis.Storage.Limits;

/// <summary>A reservation taken on one counter window.</summary>
/// <param name="Key">The stored key: counter key and window start (the counter key for a sliding counter).</param>
/// <param name="Amount">How much was reserved.</param>
/// <param name="WindowEnd">When the counter's window ends (when a sliding reservation stops counting).</param>
public sealed record CounterLease(string Key, long Amount, DateTimeOffset WindowEnd)
{
    /// <summary>For a sliding counter: the store's name for this one reservation in the counter's log, which a rollback removes.</summary>
    public string? Entry { get; init; }

    /// <summary>The stored key of a counter's window: the window start (Unix seconds) appended to the counter key.</summary>
    public static string WindowKey(string key, DateTimeOffset windowStart) =>
        key + "|" + windowStart.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
