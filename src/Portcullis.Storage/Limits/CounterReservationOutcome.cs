namespace Portcullis.Storage.Limits;

/// <summary>How a counter reservation came out.</summary>
public enum CounterReservationOutcome
{
    /// <summary>The counter had no room for the amount; nothing was written. The default, so an unset reservation never admits.</summary>
    Full,

    /// <summary>The amount was reserved; the lease gives it back if the call does not go ahead.</summary>
    Acquired,

    /// <summary>The store could not answer; nothing is assumed to be reserved. The caller applies its fail mode.</summary>
    StoreUnavailable,
}
