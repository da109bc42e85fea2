using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Gateway.Admin;
using Portcullis.Gateway.Proxy;

namespace Portcullis.Gateway.Hosting;

/// <summary>Maps the gateway's endpoints.</summary>
public static class PortcullisEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>/mcp/{serverId}</c> (POST, GET, DELETE), <c>/admin/api/…</c> and <c>/healthz</c>.</summary>
    public static IEndpointRouteBuilder MapPortcullis(this IEndpointRouteBuilder endpoints)
    {
        var handler = endpoints.ServiceProvider.GetRequiredService<McpProxyHandler>();
        endpoints.MapPost("/mcp/{serverId}", (HttpContext context, string serverId) => handler.HandlePostAsync(context, serverId));
        endpoints.MapGet("/mcp/{serverId}", (HttpContext context, string serverId) => handler.HandleGetAsync(context, serverId));
        endpoints.MapDelete("/mcp/{serverId}", (HttpContext context, string serverId) => handler.HandleDeleteAsync(context, serverId));
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        var admin = endpoints.ServiceProvider.GetRequiredService<AdminApi>();
        endpoints.MapGet("/admin/api/audit", admin.GetAuditAsync);
        endpoints.MapGet("/admin/api/approvals", admin.ListApprovalsAsync);
        endpoints.MapGet("/admin/api/approvals/{id}", (HttpContext context, string id) => admin.GetApprovalAsync(context, id));
        endpoints.MapPost("/admin/api/approvals/{id}/approve", (HttpContext context, string id) => admin.DecideApprovalAsync(context, id, approve: true));
        endpoints.MapPost("/admin/api/approvals/{id}/deny", (HttpContext context, string id) => admin.DecideApprovalAsync(context, id, approve: false));
        return endpoints;
    }
}
