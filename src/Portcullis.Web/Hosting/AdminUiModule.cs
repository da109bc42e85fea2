using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Web.Actions;
using Portcullis.Web.Components;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Hosting;

/// <summary>Registers and maps the admin UI: Razor components under <c>/admin</c>, its form actions and its static files.</summary>
internal sealed class AdminUiModule(int signInAttemptsPerMinute) : IGatewayModule
{
    /// <summary>Sign-in attempts allowed by default per client address and minute; the next one gets 429.</summary>
    public const int SignInAttemptsPerMinute = 10;

    private const string SignInLimit = "portcullis-admin-sign-in";

    public void AddServices(IServiceCollection services, GatewayConfig config)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "portcullis_antiforgery";
            options.Cookie.Path = AdminUiPaths.Base;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, cancellationToken) => new ValueTask(context.HttpContext.Response.WriteAsync(
                $"Too many sign-in attempts from this address; at most {signInAttemptsPerMinute} a minute. Wait a minute and try again.", cancellationToken));
            options.AddPolicy(SignInLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = signInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddSingleton<AdminSessionStore>();
        services.AddSingleton<AdminUiGate>();
        services.AddSingleton<AdminUiActions>();
        services.AddSingleton<AuditActions>();
        services.AddSingleton<AdminUiAssets>();
        services.AddSingleton<Overview.OverviewReader>();
    }

    public void Map(WebApplication app)
    {
        // Only /admin and /_blazor requests take this branch: the MCP path pays one path comparison.
        var gate = app.Services.GetRequiredService<AdminUiGate>();
        app.UseWhen(context => AdminUiGate.Covers(context.Request.Path), branch =>
        {
            branch.Use((context, next) => gate.InvokeAsync(context, next));
            branch.UseRateLimiter();
            branch.UseAntiforgery();
        });

        var assets = app.Services.GetRequiredService<AdminUiAssets>();
        var actions = app.Services.GetRequiredService<AdminUiActions>();
        var admin = app.MapGroup(AdminUiPaths.Base);
        admin.MapGet("/assets/{name}", assets.Serve);
        admin.MapPost("/actions/sign-in", (Func<HttpContext, Task<IResult>>)actions.SignInAsync).RequireRateLimiting(SignInLimit);
        admin.MapPost("/actions/sign-out", (Func<HttpContext, Task<IResult>>)actions.SignOutAsync);
        admin.MapPost("/actions/approvals/{id}", actions.DecideApprovalAsync);
        admin.MapPost("/actions/grants", (Func<HttpContext, Task<IResult>>)actions.CreateGrantAsync);
        admin.MapPost("/actions/grants/{name}/rotate", actions.RotateGrantAsync);
        admin.MapPost("/actions/grants/{name}/revoke", actions.RevokeGrantAsync);
        admin.MapPost("/actions/servers/{serverId}/tools/{name}/approve", actions.ApproveToolAsync);
        admin.MapPost("/actions/servers/{serverId}/policy", actions.SavePolicyAsync);
        admin.MapPost("/actions/servers/{serverId}/policy/restore", actions.RestorePolicyAsync);
        app.Services.GetRequiredService<AuditActions>().Map(admin);
        // Pages carry their full /admin path: Blazor's router does not see a route group's prefix.
        // The gate sends the whole Content-Security-Policy (frame-ancestors 'none'); Blazor's own frame-ancestors header would add a second, weaker one.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
    }
}
