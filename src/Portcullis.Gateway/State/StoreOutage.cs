using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway.State;

/// <summary>
/// Tracks whether one store is reachable, so an outage is logged once when it starts and once
/// when it ends, however many calls meet it in between.
/// </summary>
internal sealed class StoreOutage(string store, ILogger logger)
{
    private int _down;

    /// <summary>Whether the last operation on the store failed.</summary>
    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>Records a failed operation; logs only the first of an incident.</summary>
    public void Failed(Exception error)
    {
        Diagnostics.ProcessInstruments.StoreErrors.Add(1, new KeyValuePair<string, object?>("portcullis.store", store));
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            Log.StoreUnavailable(logger, store, error.Message);
        }
    }

    /// <summary>Records a successful operation; logs the end of an incident.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            Log.StoreRecovered(logger, store);
        }
    }
}
