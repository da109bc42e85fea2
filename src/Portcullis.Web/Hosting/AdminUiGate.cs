using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Admin;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Proxy;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Hosting;

/// <summary>
/// Middleware in front of every <c>/admin</c> path except the admin API, and of the components' circuit (<c>/_blazor</c>): the same Host check as the
/// MCP endpoints, the security headers, and the session. Without a session only the sign-in page,
/// the sign-in action and the static assets answer; a page redirects to sign-in, anything else gets 401.
/// </summary>
internal sealed class AdminUiGate(GatewayConfig config, AdminAuthenticator admins, AdminSessionStore sessions)
{
    /// <summary>The session cookie: HttpOnly, SameSite=Strict, Secure on HTTPS.</summary>
    public const string CookieName = "portcullis_admin";

    /// <summary>
    /// No inline script, style or eval anywhere: Blazor's own script is a file served from here, and its
    /// circuit is a same-origin WebSocket (<c>connect-src 'self'</c>).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private readonly HostAllowList _hosts = HostAllowList.For(config);

    /// <summary>Whether <paramref name="path"/> belongs to the UI (rather than the admin API).</summary>
    public static bool Covers(PathString path) =>
        (path.StartsWithSegments(AdminUiPaths.Base) && !path.StartsWithSegments(AdminUiPaths.Base + "/api")) || path.StartsWithSegments(AdminUiPaths.BlazorHub);

    /// <summary>The session of a request the gate let through, when it has one.</summary>
    public static AdminSession? SessionOf(HttpContext context) =>
        context?.Items.TryGetValue(typeof(AdminSession), out var session) == true ? session as AdminSession : null;

    /// <summary>Runs for the requests <see cref="Covers"/> accepts (the module branches on it).</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        if (!admins.Enabled)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("The admin UI is off: no admins are configured.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!_hosts.Allows(context.Request.Host.Host))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync($"Host '{context.Request.Host.Host}' is not allowed.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var path = context.Request.Path;
        if (!path.StartsWithSegments(AdminUiPaths.Base + "/assets"))
        {
            headers.CacheControl = "no-store";
        }

        if (sessions.Use(context.Request.Cookies[CookieName]) is { } session)
        {
            context.Items[typeof(AdminSession)] = session;
            // Anti-forgery tokens are bound to this identity, so a token from one admin's page is refused in another's session.
            context.User = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, session.Name), new Claim(ClaimTypes.Role, AdminPermissions.Name(session.Role))], "portcullis-admin-session"));
        }
        else if (!IsPublic(path))
        {
            if (HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments(AdminUiPaths.BlazorHub))
            {
                context.Response.Redirect(AdminUiPaths.SignIn);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("Sign in first: the session has ended or was never started.", context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static bool IsPublic(PathString path) =>
        path.Equals(AdminUiPaths.SignIn, StringComparison.Ordinal) || path.Equals(AdminUiPaths.SignInAction, StringComparison.Ordinal)
        || path.StartsWithSegments(AdminUiPaths.Base + "/assets");
}
