using System.Text;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Proxy;
using Portcullis.Storage;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Admin;

/// <summary>
/// The admin API, <c>/admin/api/…</c>, for the web UI and scripts: the same Host and Origin
/// checks as the MCP endpoints, then an admin token (never a grant token). Without configured
/// admins it does not exist (404).
/// </summary>
internal sealed class AdminApi(GatewayConfig config, AdminAuthenticator admins, IAuditStore audit, ApprovalService approvals, ToolPins pins, TimeProvider timeProvider)
{
    private const int MaxLimit = 1000;
    private readonly HostAllowList _hosts = HostAllowList.For(config);

    /// <summary><c>GET /admin/api/audit?since=&amp;grant=&amp;server=&amp;tool=&amp;decision=&amp;kind=&amp;limit=</c>: records, newest first.</summary>
    public async Task GetAuditAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context, AdminRole.Admin).ConfigureAwait(false) is null)
        {
            return;
        }

        var query = context.Request.Query;
        var filter = new AuditQuery
        {
            Grant = Text(query, "grant"),
            Server = Text(query, "server"),
            Tool = Text(query, "tool"),
            Decision = Text(query, "decision"),
            Kind = Text(query, "kind"),
            Limit = 100,
        };
        if (Text(query, "since") is { } since)
        {
            if (AuditTime.ParseSince(since, timeProvider.GetUtcNow()) is not { } from)
            {
                await ProblemAsync(context, StatusCodes.Status400BadRequest, AuditTime.SinceProblem("since", since))
                    .ConfigureAwait(false);
                return;
            }

            filter = filter with { Since = from };
        }

        if (Text(query, "limit") is { } limitText)
        {
            if (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit)
                || limit is < 1 or > MaxLimit)
            {
                await ProblemAsync(context, StatusCodes.Status400BadRequest, $"limit: expected a whole number from 1 to {MaxLimit}.").ConfigureAwait(false);
                return;
            }

            filter = filter with { Limit = limit };
        }

        IReadOnlyList<AuditRecord> records;
        try
        {
            records = await audit.QueryAsync(filter, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "The audit store is unavailable; try again shortly.").ConfigureAwait(false);
            return;
        }

        var body = new StringBuilder("{\"records\":[");
        for (var i = 0; i < records.Count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append(AuditCanonicalForm.Serialize(records[i]));
        }

        body.Append("]}");
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(body.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>GET /admin/api/approvals?status=pending&amp;limit=</c>: approvals, newest first (admins and approvers).</summary>
    public async Task ListApprovalsAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context, AdminRole.Approver).ConfigureAwait(false) is null)
        {
            return;
        }

        var status = Text(context.Request.Query, "status");
        if (status is not (null or ApprovalStatus.Pending or ApprovalStatus.Approved or ApprovalStatus.Denied or ApprovalStatus.TimedOut or ApprovalStatus.Withdrawn))
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, $"status: '{status}' is not one of pending, approved, denied, timed_out, withdrawn.")
                .ConfigureAwait(false);
            return;
        }

        await WithStoreAsync(context, async () =>
        {
            var list = await approvals.Store.ListAsync(status, MaxLimit, context.RequestAborted).ConfigureAwait(false);
            await JsonAsync(context, StatusCodes.Status200OK, new Dictionary<string, object> { ["approvals"] = list.Select(ApprovalJson.From).ToList() })
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary><c>GET /admin/api/approvals/{id}</c>.</summary>
    public async Task GetApprovalAsync(HttpContext context, string id)
    {
        if (await AuthorizeAsync(context, AdminRole.Approver).ConfigureAwait(false) is null)
        {
            return;
        }

        await WithStoreAsync(context, async () =>
        {
            var approval = await approvals.Store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
            if (approval is null)
            {
                await ProblemAsync(context, StatusCodes.Status404NotFound, $"No approval has id '{id}'.").ConfigureAwait(false);
                return;
            }

            await JsonAsync(context, StatusCodes.Status200OK, ApprovalJson.From(approval)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary><c>POST /admin/api/approvals/{id}/approve|deny</c> with an optional JSON body <c>{"comment": "…"}</c>.</summary>
    public async Task DecideApprovalAsync(HttpContext context, string id, bool approve)
    {
        if (await AuthorizeAsync(context, AdminRole.Approver).ConfigureAwait(false) is not { } approver)
        {
            return;
        }

        string? comment = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                using var body = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                if (body.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                    || (body.RootElement.TryGetProperty("comment", out var commentElement) && commentElement.ValueKind != System.Text.Json.JsonValueKind.String))
                {
                    await ProblemAsync(context, StatusCodes.Status400BadRequest, "The body is {\"comment\": \"…\"}.").ConfigureAwait(false);
                    return;
                }

                comment = body.RootElement.TryGetProperty("comment", out var text) ? text.GetString() : null;
            }
            catch (System.Text.Json.JsonException e)
            {
                await ProblemAsync(context, StatusCodes.Status400BadRequest, "The body is not valid JSON: " + e.Message.Split(" Path:")[0]).ConfigureAwait(false);
                return;
            }
        }

        await WithStoreAsync(context, async () =>
        {
            var (result, approval) = await approvals.DecideAsync(id, approve, approver, comment, context.RequestAborted).ConfigureAwait(false);
            switch (result)
            {
                case DecisionResult.Decided:
                    await JsonAsync(context, StatusCodes.Status200OK, ApprovalJson.From(approval!)).ConfigureAwait(false);
                    break;
                case DecisionResult.NotFound:
                    await ProblemAsync(context, StatusCodes.Status404NotFound, $"No approval has id '{id}'.").ConfigureAwait(false);
                    break;
                case DecisionResult.SelfApproval:
                    await ProblemAsync(context, StatusCodes.Status403Forbidden, $"'{approver}' made this call and cannot decide its own approval.").ConfigureAwait(false);
                    break;
                default:
                    await ProblemAsync(context, StatusCodes.Status409Conflict, $"Approval '{id}' is already {approval?.Status ?? "decided"}.").ConfigureAwait(false);
                    break;
            }
        }).ConfigureAwait(false);
    }

    /// <summary><c>GET /admin/api/servers/{id}/tools</c>: the server's pinned tools and where each stands (admins).</summary>
    public async Task ListToolsAsync(HttpContext context, string serverId)
    {
        if (await AuthorizeAsync(context, AdminRole.Admin).ConfigureAwait(false) is null
            || await ServerAsync(context, serverId).ConfigureAwait(false) is not { } server)
        {
            return;
        }

        await WithStoreAsync(context, async () =>
        {
            var list = await pins.Store.ListAsync(server.Id, context.RequestAborted).ConfigureAwait(false);
            await JsonAsync(context, StatusCodes.Status200OK, new Dictionary<string, object>
            {
                ["server"] = server.Id,
                ["pinning"] = server.Pinning.ToString().ToLowerInvariant(),
                ["tools"] = list.Select(ToolPinJson.From).ToList(),
            }).ConfigureAwait(false);
        }, "pin store").ConfigureAwait(false);
    }

    /// <summary><c>POST /admin/api/servers/{id}/tools/{name}/approve</c>: approves the definition the server advertises now (admins).</summary>
    public async Task ApproveToolAsync(HttpContext context, string serverId, string toolName)
    {
        if (await AuthorizeAsync(context, AdminRole.Admin).ConfigureAwait(false) is not { } admin
            || await ServerAsync(context, serverId).ConfigureAwait(false) is not { } server)
        {
            return;
        }

        await WithStoreAsync(context, async () =>
        {
            var (result, pin) = await pins.ApproveAsync(server.Id, toolName, admin, context.RequestAborted).ConfigureAwait(false);
            switch (result)
            {
                case PinApprovalResult.Approved:
                    await JsonAsync(context, StatusCodes.Status200OK, ToolPinJson.From(pin!)).ConfigureAwait(false);
                    break;
                case PinApprovalResult.NotFound:
                    await ProblemAsync(context, StatusCodes.Status404NotFound, $"Server '{server.Id}' has no pinned tool named '{toolName}'.").ConfigureAwait(false);
                    break;
                default:
                    await ProblemAsync(context, StatusCodes.Status409Conflict,
                        $"Nothing awaits approval for {toolName} on '{server.Id}': the approved definition is the one advertised.").ConfigureAwait(false);
                    break;
            }
        }, "pin store").ConfigureAwait(false);
    }

    private async Task<UpstreamServerConfig?> ServerAsync(HttpContext context, string serverId)
    {
        if (config.Servers.FirstOrDefault(s => s.Id == serverId) is { } server)
        {
            return server;
        }

        await ProblemAsync(context, StatusCodes.Status404NotFound, $"No server has id '{serverId}'.").ConfigureAwait(false);
        return null;
    }

    private static async Task WithStoreAsync(HttpContext context, Func<Task> action, string store = "approval store")
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, $"The {store} is unavailable; try again shortly.").ConfigureAwait(false);
        }
    }

    private static async Task JsonAsync(HttpContext context, int status, object value)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(value), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The caller's name when they hold a token with <paramref name="role"/> (an admin may do anything); otherwise writes the refusal.</summary>
    private async Task<string?> AuthorizeAsync(HttpContext context, AdminRole role)
    {
        if (!admins.Enabled)
        {
            await ProblemAsync(context, StatusCodes.Status404NotFound, "The admin API is off: no admins are configured.").ConfigureAwait(false);
            return null;
        }

        if (!_hosts.Allows(context.Request.Host.Host))
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, $"Host '{context.Request.Host.Host}' is not allowed.").ConfigureAwait(false);
            return null;
        }

        if (context.Request.Headers.Origin is { Count: > 0 } origin && !config.AllowedOrigins.Contains(origin.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, $"Origin '{origin}' is not allowed.").ConfigureAwait(false);
            return null;
        }

        if (admins.Authenticate(context.Request.Headers.Authorization.ToString()) is not { } admin)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"portcullis-admin\"";
            await ProblemAsync(context, StatusCodes.Status401Unauthorized, "An admin token is required (Authorization: Bearer …).").ConfigureAwait(false);
            return null;
        }

        if (admin.Role != AdminRole.Admin && admin.Role != role)
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, $"Admin '{admin.Name}' has the {admin.Role.ToString().ToLowerInvariant()} role, which cannot do this.")
                .ConfigureAwait(false);
            return null;
        }

        return admin.Name;
    }

    private static string? Text(IQueryCollection query, string name) => query.TryGetValue(name, out var value) && value.Count > 0 && value[0] is { Length: > 0 } text ? text : null;

    private static async Task ProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["status"] = status, ["error"] = detail }),
            context.RequestAborted).ConfigureAwait(false);
    }
}
