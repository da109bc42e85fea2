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
    public const string SignInAction = Base + "/actions/sign-in";
    public const string SignOutAction = Base + "/actions/sign-out";
}
