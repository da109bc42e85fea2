namespace Portcullis.Gateway.Configuration;

/// <summary>A person or system allowed to use the admin API, with a bearer token separate from every grant.</summary>
internal sealed record AdminConfig
{
    /// <summary>Unique name, recorded as the actor of what they do.</summary>
    public required string Name { get; init; }

    /// <summary>The bearer token (normally from <c>env:NAME</c>); only its hash is kept.</summary>
    public required string Token { get; init; }

    /// <summary>What they may do.</summary>
    public AdminRole Role { get; init; } = AdminRole.Admin;
}

/// <summary>What an admin token allows.</summary>
internal enum AdminRole
{
    /// <summary>Everything: audit, policies, grants, approvals.</summary>
    Admin,

    /// <summary>Deciding approvals; in the admin UI also reading everything.</summary>
    Approver,

    /// <summary>Reading everything in the admin UI, changing nothing.</summary>
    Viewer,

    /// <summary>Reading everything and changing policies, but not grants or approvals.</summary>
    PolicyManager,
}
