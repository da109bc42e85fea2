namespace Portcullis.Gateway.Pinning;

/// <summary>What pinning says about one tool as the server advertises it now.</summary>
internal enum PinVerdict
{
    /// <summary>Pinning is off, or the definition is the approved one: the tool may be listed and called.</summary>
    Approved,

    /// <summary>The definition differs from the approved one: quarantined until an operator approves it.</summary>
    Changed,

    /// <summary>No definition was ever approved (strict): quarantined until an operator approves it.</summary>
    Unapproved,

    /// <summary>The pin store could not be asked: quarantined while it is down (fail closed).</summary>
    Unavailable,
}
