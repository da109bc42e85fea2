using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Admin;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Policies;
using Portcullis.Policy;
using Portcullis.Policy.Serialization;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Policies;
using Portcullis.Web.Forms;
using Portcullis.Web.Hosting;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Actions;

/// <summary>
/// Every change the admin UI makes: form posts that check, in this order, the anti-forgery token
/// (400 without a valid one), the session (401), the role (403), then act, write an admin audit
/// record naming the admin, and redirect to the page that shows the outcome.
/// </summary>
internal sealed class AdminUiActions(
    IAntiforgery antiforgery, AdminAuthenticator admins, AdminSessionStore sessions, AuditLog audit, ApprovalService approvals,
    GatewayConfig config, StoreSet state, ToolPins pins, PolicyRegistry policies, TimeProvider timeProvider)
{
    /// <summary>The largest policy the builder may save; a policy is a few kilobytes, this is far beyond any real one.</summary>
    public const int MaxPolicyLength = 256 * 1024;

    /// <summary>The longest comment kept with a saved version.</summary>
    public const int MaxCommentLength = 500;

    /// <summary><c>POST /admin/actions/sign-in</c> with <c>token</c>: a valid admin token starts a session.</summary>
    public Task<IResult> SignInAsync(HttpContext context) => GuardAsync(context, requireSession: false, async (form, _) =>
    {
        var token = form["token"].ToString().Trim();
        if (token.Length == 0 || admins.Authenticate("Bearer " + token) is not var (name, role))
        {
            // One message for every failure: it does not tell whether the token is unknown, a grant's, or mistyped.
            return SeeOther(AdminUiPaths.SignIn + "?failed=1");
        }

        var session = sessions.Start(name, role);
        context.Response.Cookies.Append(AdminUiGate.CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            // "/" rather than "/admin": the components' circuit (/_blazor) needs the session too. The MCP
            // endpoints and the admin API never read cookies, so carrying it there opens nothing.
            Path = "/",
            IsEssential = true,
        });
        await RecordAsync(name, "admin.signed_in", "admin-ui", "role=" + AdminPermissions.Name(role)).ConfigureAwait(false);
        return SeeOther(AdminUiPaths.Overview);
    });

    /// <summary><c>POST /admin/actions/sign-out</c>: ends the session.</summary>
    public Task<IResult> SignOutAsync(HttpContext context) => GuardAsync(context, requireSession: true, async (_, session) =>
    {
        sessions.End(session!.Id);
        context.Response.Cookies.Delete(AdminUiGate.CookieName, new CookieOptions { Path = "/", Secure = context.Request.IsHttps, SameSite = SameSiteMode.Strict });
        await RecordAsync(session.Name, "admin.signed_out", "admin-ui", null).ConfigureAwait(false);
        return SeeOther(AdminUiPaths.SignIn);
    });

    /// <summary><c>POST /admin/actions/approvals/{id}</c> with <c>decision</c> (approve or deny) and <c>comment</c>.</summary>
    public Task<IResult> DecideApprovalAsync(HttpContext context, string id) => GuardAsync(context, requireSession: true, async (form, session) =>
    {
        if (!AdminPermissions.CanDecideApprovals(session!.Role))
        {
            return Forbidden(session, "decide approvals");
        }

        var decision = form["decision"].ToString();
        if (decision is not ("approve" or "deny"))
        {
            return Results.Text($"decision: '{decision}' is neither approve nor deny.", statusCode: StatusCodes.Status400BadRequest);
        }

        var comment = form["comment"].ToString().Trim();
        var (result, approval) = await approvals.DecideAsync(id, decision == "approve", session.Name, comment.Length == 0 ? null : comment, context.RequestAborted)
            .ConfigureAwait(false);
        session.SetNotice(result switch
        {
            DecisionResult.Decided => new AdminNotice($"{(decision == "approve" ? "Approved" : "Denied")} the call to {approval!.Tool} on {approval.Server}."),
            DecisionResult.NotFound => new AdminNotice($"No approval has id '{id}'.", IsProblem: true),
            DecisionResult.SelfApproval => new AdminNotice($"'{session.Name}' made this call and cannot decide its own approval.", IsProblem: true),
            _ => new AdminNotice($"That approval is already {approval?.Status ?? "decided"}.", IsProblem: true),
        });
        return SeeOther(AdminUiPaths.Approvals);
    });

    /// <summary>
    /// <c>POST /admin/actions/servers/{id}/tools/{name}/approve</c>: approves the definition the
    /// server advertises now (pinning records <c>tool.approved</c> naming the admin).
    /// </summary>
    public Task<IResult> ApproveToolAsync(HttpContext context, string serverId, string name) => GuardAsync(context, requireSession: true, async (_, session) =>
    {
        if (!AdminPermissions.CanApproveTools(session!.Role))
        {
            return Forbidden(session, "approve tool definitions");
        }

        if (config.Servers.All(s => s.Id != serverId))
        {
            return Results.Text($"No server has id '{serverId}'.", statusCode: StatusCodes.Status404NotFound);
        }

        var (result, _) = await pins.ApproveAsync(serverId, name, session.Name, context.RequestAborted).ConfigureAwait(false);
        session.SetNotice(result switch
        {
            PinApprovalResult.Approved => new AdminNotice($"Approved the current definition of {name}; calls to it go through again."),
            PinApprovalResult.NotFound => new AdminNotice($"Server '{serverId}' has no pinned tool named '{name}'.", IsProblem: true),
            _ => new AdminNotice($"Nothing awaits approval for {name}: the approved definition is the one advertised.", IsProblem: true),
        });
        return SeeOther(AdminUiPaths.Tools(serverId));
    });

    /// <summary><c>POST /admin/actions/grants</c> with <c>name</c>, <c>servers</c> (repeated), <c>labels</c> (key=value lines), <c>expires</c>.</summary>
    public Task<IResult> CreateGrantAsync(HttpContext context) => GuardAsync(context, requireSession: true, async (form, session) =>
    {
        if (!AdminPermissions.CanManageGrants(session!.Role))
        {
            return Forbidden(session, "manage grants");
        }

        var problems = new List<string>();
        var name = form["name"].ToString().Trim();
        if (name.Length == 0)
        {
            problems.Add("Name: enter the grant's name.");
        }
        else if (config.Grants.Any(g => g.Name == name))
        {
            problems.Add($"Name: '{name}' is a grant of the configuration file.");
        }

        var servers = form["servers"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToList();
        if (servers.Count == 0)
        {
            problems.Add("Servers: pick at least one server.");
        }

        problems.AddRange(servers.Where(s => config.Servers.All(server => server.Id != s)).Select(s => $"Servers: no server has id '{s}'."));
        var labels = LabelLines.Parse(form["labels"].ToString(), "Labels", problems);

        DateTimeOffset? expires = null;
        if (form["expires"].ToString().Trim() is { Length: > 0 } expiresText)
        {
            if (DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                expires = parsed;
            }
            else
            {
                problems.Add($"Expires: '{expiresText}' is not a date and time such as 2027-01-01T00:00:00Z.");
            }
        }

        if (!state.Grants.KeepsGrants)
        {
            problems.Add("The store is 'memory', which keeps no run-time grants; set \"store\": \"sqlite:portcullis.db\".");
        }

        if (problems.Count > 0)
        {
            return Problem(session, AdminUiPaths.Grants, problems);
        }

        var token = GrantRegistry.NewToken();
        var created = await state.Grants.CreateAsync(new StoredGrant
        {
            Name = name,
            TokenHash = [.. GrantRegistry.Hash(token)],
            Servers = [.. servers],
            Labels = labels,
            Expires = expires,
            CreatedAt = timeProvider.GetUtcNow(),
        }, context.RequestAborted).ConfigureAwait(false);
        if (!created)
        {
            return Problem(session, AdminUiPaths.Grants, [$"Name: a grant named '{name}' already exists."]);
        }

        await RecordAsync(session.Name, "grant.created", "grant:" + name, $"servers={string.Join(",", servers)}; expires={Format(expires)}").ConfigureAwait(false);
        session.SetSecret(token);
        session.SetNotice(new AdminNotice($"Created grant '{name}' for {string.Join(", ", servers)}."));
        return SeeOther(AdminUiPaths.Grants);
    });

    /// <summary><c>POST /admin/actions/grants/{name}/rotate</c>: a new token; the old one stops working at once.</summary>
    public Task<IResult> RotateGrantAsync(HttpContext context, string name) => GuardAsync(context, requireSession: true, async (_, session) =>
    {
        if (!AdminPermissions.CanManageGrants(session!.Role))
        {
            return Forbidden(session, "manage grants");
        }

        var token = GrantRegistry.NewToken();
        if (!await state.Grants.ReplaceTokenAsync(name, GrantRegistry.Hash(token), context.RequestAborted).ConfigureAwait(false))
        {
            return Problem(session, AdminUiPaths.Grants, [$"No live run-time grant is named '{name}' (configured grants rotate by changing their token in the file)."]);
        }

        await RecordAsync(session.Name, "grant.rotated", "grant:" + name, "new token").ConfigureAwait(false);
        session.SetSecret(token);
        session.SetNotice(new AdminNotice($"Rotated grant '{name}'."));
        return SeeOther(AdminUiPaths.Grants);
    });

    /// <summary><c>POST /admin/actions/grants/{name}/revoke</c>: revokes a run-time grant for good.</summary>
    public Task<IResult> RevokeGrantAsync(HttpContext context, string name) => GuardAsync(context, requireSession: true, async (_, session) =>
    {
        if (!AdminPermissions.CanManageGrants(session!.Role))
        {
            return Forbidden(session, "manage grants");
        }

        if (!await state.Grants.RevokeAsync(name, timeProvider.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            return Problem(session, AdminUiPaths.Grants, [$"No live run-time grant is named '{name}' (configured grants are removed from the file)."]);
        }

        await RecordAsync(session.Name, "grant.revoked", "grant:" + name, "revoked").ConfigureAwait(false);
        session.SetNotice(new AdminNotice($"Revoked grant '{name}'."));
        return SeeOther(AdminUiPaths.Grants);
    });

    /// <summary>
    /// <c>POST /admin/actions/servers/{id}/policy</c> with <c>text</c> (policy JSON from the builder),
    /// <c>format</c> (json or yaml: how to store it) and <c>comment</c>: validates it and saves it as the
    /// server's next version, in force here at once and on every other instance within seconds.
    /// </summary>
    public Task<IResult> SavePolicyAsync(HttpContext context, string serverId) => GuardAsync(context, requireSession: true, async (form, session) =>
    {
        if (RefusePolicyChange(session, serverId, "save policies") is { } refused)
        {
            return refused;
        }

        var page = AdminUiPaths.Policy(serverId);
        var text = form["text"].ToString();
        var format = form["format"].ToString();
        var comment = form["comment"].ToString().Trim();
        var problems = new List<string>();
        if (text.Trim().Length == 0)
        {
            problems.Add("Policy: the form carried no policy text.");
        }
        else if (text.Length > MaxPolicyLength)
        {
            problems.Add($"Policy: {text.Length} characters is more than the {MaxPolicyLength} a policy may have.");
        }

        if (format is not ("json" or "yaml"))
        {
            problems.Add($"Format: '{format}' is neither json nor yaml.");
        }

        if (comment.Length == 0)
        {
            problems.Add("Comment: say why, so the history tells the next reader.");
        }
        else if (comment.Length > MaxCommentLength)
        {
            problems.Add($"Comment: at most {MaxCommentLength} characters.");
        }

        if (problems.Count > 0)
        {
            return Problem(session, page, problems);
        }

        // The draft was compared with the version live when the page was loaded; a version saved since
        // (by another admin, the CLI or the policy file) would be overwritten unseen.
        var latest = await state.Policies.LatestAsync(serverId, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        if (form["base_version"].ToString() != (latest?.Version ?? 0).ToString(CultureInfo.InvariantCulture))
        {
            return Problem(session, page, [$"Version {latest?.Version ?? 0} of the policy of {serverId} was saved after the builder was opened; reload the page to build on it."]);
        }

        var parsed = PolicyParser.Parse(text, PolicyFormat.Json);
        if (!parsed.Succeeded)
        {
            return Problem(session, page, parsed.Errors.Select(e => e.ToString()));
        }

        // The builder sends JSON; an operator who keeps YAML gets the same policy written as YAML.
        // The YAML text is parsed again as what it is; the JSON was parsed just above.
        var (stored, storedParsed) = format == "yaml" ? (PolicyYamlWriter.ToYaml(parsed.Policy.Document), null) : (text, parsed);
        var result = await policies.PublishAsync(new NewPolicyVersion(serverId, stored, format, "ui", comment, timeProvider.GetUtcNow()), session.Name,
            storedParsed, context.RequestAborted).ConfigureAwait(false);
        if (result.Saved is not { } saved)
        {
            return Problem(session, page, result.Errors.Select(e => e.ToString()));
        }

        session.SetNotice(new AdminNotice($"Saved version {saved.Version} of the policy of {serverId}; it is in force here now, and on every other instance within seconds."));
        return SeeOther(page);
    });

    /// <summary><c>POST /admin/actions/servers/{id}/policy/restore</c> with <c>version</c>: saves that version again as the newest.</summary>
    public Task<IResult> RestorePolicyAsync(HttpContext context, string serverId) => GuardAsync(context, requireSession: true, async (form, session) =>
    {
        if (RefusePolicyChange(session, serverId, "restore policies") is { } refused)
        {
            return refused;
        }

        var page = AdminUiPaths.Policy(serverId);
        var versionText = form["version"].ToString();
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || await state.Policies.GetAsync(serverId, number, context.RequestAborted).ConfigureAwait(false) is not { } old)
        {
            return Problem(session, page, [$"Version: server '{serverId}' has no version '{versionText}'."]);
        }

        var result = await policies.PublishAsync(new NewPolicyVersion(serverId, old.Text, old.Format, "restore", $"restored from version {number}",
            timeProvider.GetUtcNow()), session.Name, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        if (result.Saved is not { } saved)
        {
            return Problem(session, page, result.Errors.Select(e => e.ToString()));
        }

        session.SetNotice(new AdminNotice($"Restored version {number} of the policy of {serverId} as version {saved.Version}; it is in force now."));
        return SeeOther(page);
    });

    private async Task<IResult> GuardAsync(HttpContext context, bool requireSession, Func<IFormCollection, AdminSession?, Task<IResult>> action)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return Results.Text("The form's anti-forgery token is missing or not valid; reload the page and try again. Nothing was changed.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var session = AdminUiGate.SessionOf(context);
        if (requireSession && session is null)
        {
            return Results.Text("Sign in first: the session has ended or was never started.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            return await action(form, session).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return Results.Text("The store is unavailable; nothing was changed. Try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private Task RecordAsync(string admin, string action, string target, string? after) =>
        audit.RecordAsync(new AuditRecord { Kind = AuditKinds.Admin, Actor = admin, Action = action, Target = target, After = after }).AsTask();

    /// <summary>Why a policy change on <paramref name="serverId"/> may not go ahead (a role that may not manage policies, a server that does not exist), or null.</summary>
    /// <remarks>The actions that call it require a session, so it is never null here.</remarks>
    private IResult? RefusePolicyChange([NotNull] AdminSession? session, string serverId, string what)
    {
        ArgumentNullException.ThrowIfNull(session);
        return !AdminPermissions.CanManagePolicies(session.Role) ? Forbidden(session, what)
            : config.Servers.All(s => s.Id != serverId) ? Results.Text($"No server has id '{serverId}'. Nothing was changed.", statusCode: StatusCodes.Status404NotFound)
            : null;
    }

    private static IResult Forbidden(AdminSession session, string what) =>
        Results.Text($"Admin '{session.Name}' has the {AdminPermissions.Name(session.Role)} role, which cannot {what}. Nothing was changed.",
            statusCode: StatusCodes.Status403Forbidden);

    private static SeeOtherResult Problem(AdminSession session, string page, IEnumerable<string> problems)
    {
        session.SetNotice(new AdminNotice("Nothing was changed. " + string.Join(" ", problems), IsProblem: true));
        return SeeOther(page);
    }

    /// <summary>303, so the browser follows with a GET and a reload does not post again.</summary>
    private static SeeOtherResult SeeOther(string location) => new SeeOtherResult(location);

    private static string Format(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
