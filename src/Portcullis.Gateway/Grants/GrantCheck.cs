namespace Portcullis.Gateway.Grants;

/// <summary>Why a bearer token was or was not accepted.</summary>
internal enum GrantCheckStatus
{
    /// <summary>The token belongs to a live grant for this server.</summary>
    Accepted,

    /// <summary>No usable <c>Authorization: Bearer</c> header.</summary>
    MissingToken,

    /// <summary>No grant has this token.</summary>
    UnknownToken,

    /// <summary>The grant has expired.</summary>
    Expired,

    /// <summary>The grant was revoked.</summary>
    Revoked,

    /// <summary>The grant is valid but not for this server.</summary>
    WrongServer,
}

/// <summary>The outcome of checking a bearer token.</summary>
/// <param name="Status">Accepted, or why not.</param>
/// <param name="Grant">The grant when the token matched one.</param>
internal sealed record GrantCheck(GrantCheckStatus Status, Grant? Grant)
{
    /// <summary>Why the token was refused, in words for the client; null when it was accepted.</summary>
    public string? RefusalFor(string serverId) => Status switch
    {
        GrantCheckStatus.Accepted => null,
        GrantCheckStatus.MissingToken => "Missing bearer token: send Authorization: Bearer <grant token>.",
        GrantCheckStatus.UnknownToken => "The token does not belong to any grant.",
        GrantCheckStatus.Expired => $"Grant '{Grant!.Name}' has expired.",
        GrantCheckStatus.Revoked => $"Grant '{Grant!.Name}' has been revoked.",
        _ => $"Grant '{Grant!.Name}' may not use server '{serverId}'.",
    };
}
