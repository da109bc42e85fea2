namespace Portcullis.Storage;

/// <summary>
/// A store could not be reached or did not answer in time. Callers apply their fail mode;
/// nothing was changed by the failed operation (or, for a timeout, nothing is assumed).
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for a store named <paramref name="store"/> and the failure that made it unavailable.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
