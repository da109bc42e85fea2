namespace Portcullis.Web.Hosting;

/// <summary>Where the admin UI's pages and actions live; every path is under <c>/admin</c>.</summary>
internal static class AdminUiPaths
{
    public const string Base = "/admin";
    public const string Overview = Base;
    public const string BlazorHub = "/_blazor";
    public const string SignIn = Base + "/sign-in";
    public const string Approvals = Base + "/approvals";
    public const string Grants = Base + "/grants";

    /// <summary>A server's tools page.</summary>
    public static string Tools(string serverId) => $"{Base}/servers/{Uri.EscapeDataString(serverId)}/tools";

    /// <summary>A server's policy builder and history.</summary>
    public static string Policy(string serverId) => $"{Base}/servers/{Uri.EscapeDataString(serverId)}/policy";

    /// <summary>Where the builder posts a policy to save.</summary>
    public static string SavePolicy(string serverId) => $"{Base}/actions/servers/{Uri.EscapeDataString(serverId)}/policy";

    public const string SignInAction = Base + "/actions/sign-in";
    public const string SignOutAction = Base + "/actions/sign-out";
}
