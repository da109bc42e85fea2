using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Gateway.Admin;
using Portcullis.Gateway.Proxy;

namespace Portcullis.Gateway.Hosting;

/// <summary>Maps the gateway's endpoints.</summary>
internal static class PortcullisEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>/mcp/{serverId}</c> (POST, GET, DELETE, and OPTIONS for CORS preflights), <c>/admin/api/…</c> and <c>/healthz</c>.</summary>
    public static IEndpointRouteBuilder MapPortcullis(this IEndpointRouteBuilder endpoints)
    {
        var handler = endpoints.ServiceProvider.GetRequiredService<McpProxyHandler>();
        endpoints.MapPost("/mcp/{serverId}", (HttpContext context, string serverId) => handler.GuardAsync(context, serverId, handler.HandlePostAsync));
        endpoints.MapGet("/mcp/{serverId}", (HttpContext context, string serverId) => handler.GuardAsync(context, serverId, handler.HandleGetAsync));
        endpoints.MapDelete("/mcp/{serverId}", (HttpContext context, string serverId) => handler.GuardAsync(context, serverId, handler.HandleDeleteAsync));
        endpoints.MapMethods("/mcp/{serverId}", [HttpMethods.Options],
            (HttpContext context, string serverId) => handler.GuardAsync(context, serverId, handler.HandlePreflightAsync));
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        var readiness = endpoints.ServiceProvider.GetRequiredService<ReadinessProbe>();
        endpoints.MapGet("/readyz", (Func<HttpContext, Task<IResult>>)(context => readiness.HandleAsync(context.RequestAborted)));
        var admin = endpoints.ServiceProvider.GetRequiredService<AdminApi>();
        endpoints.MapGet("/admin/api/audit", admin.GetAuditAsync);
        endpoints.MapGet("/admin/api/approvals", admin.ListApprovalsAsync);
        endpoints.MapGet("/admin/api/approvals/{id}", (HttpContext context, string id) => admin.GetApprovalAsync(context, id));
        endpoints.MapPost("/admin/api/approvals/{id}/approve", (HttpContext context, string id) => admin.DecideApprovalAsync(context, id, approve: true));
        endpoints.MapPost("/admin/api/approvals/{id}/deny", (HttpContext context, string id) => admin.DecideApprovalAsync(context, id, approve: false));
        endpoints.MapGet("/admin/api/servers/{id}/tools", (HttpContext context, string id) => admin.ListToolsAsync(context, id));
        endpoints.MapPost("/admin/api/servers/{id}/tools/{name}/approve", (HttpContext context, string id, string name) => admin.ApproveToolAsync(context, id, name));
        return endpoints;
    }
}
