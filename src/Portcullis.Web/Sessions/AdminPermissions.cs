using Portcullis.Gateway.Configuration;

namespace Portcullis.Web.Sessions;

/// <summary>What each role may do in the admin UI; every action checks it on the server.</summary>
internal static class AdminPermissions
{
    /// <summary>Approve or deny held calls: admins and approvers.</summary>
    public static bool CanDecideApprovals(AdminRole role) => role is AdminRole.Admin or AdminRole.Approver;

    /// <summary>Approve a tool definition that pinning quarantined: admins only, as in the admin API.</summary>
    public static bool CanApproveTools(AdminRole role) => role is AdminRole.Admin;

    /// <summary>Create, rotate and revoke grants: admins only.</summary>
    public static bool CanManageGrants(AdminRole role) => role is AdminRole.Admin;

    /// <summary>Save and restore policy versions: admins and policy managers.</summary>
    public static bool CanManagePolicies(AdminRole role) => role is AdminRole.Admin or AdminRole.PolicyManager;

    /// <summary>The role as written in the configuration.</summary>
    public static string Name(AdminRole role) => role switch
    {
        AdminRole.Admin => "admin",
        AdminRole.Approver => "approver",
        AdminRole.Viewer => "viewer",
        AdminRole.PolicyManager => "policy_manager",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
