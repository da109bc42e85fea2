using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// The Streamable HTTP front door, <c>/mcp/{serverId}</c>: checks origin, grant and session,
/// decides <c>tools/call</c> by policy, and relays everything else unchanged in both directions.
/// The agent's credentials, cookies and session id never reach the upstream.
/// </summary>
internal sealed partial class McpProxyHandler(
    GatewayConfig config,
    GrantRegistry grants,
    SessionRegistry sessions,
    PolicyRegistry policies,
    ToolCallGate gate,
    ApprovalService approvals,
    UpstreamClients upstreamClients,
    ToolCatalog tools,
    ILogger<McpProxyHandler> logger)
{
    private readonly Dictionary<string, UpstreamServerConfig> _servers = config.Servers.ToDictionary(s => s.Id, StringComparer.Ordinal);
    private readonly HostAllowList _hosts = HostAllowList.For(config);

    public async Task HandlePostAsync(HttpContext context, string serverId)
    {
        var startedAt = Stopwatch.GetTimestamp();
        if (await AdmitAsync(context, serverId).ConfigureAwait(false) is not { } admitted)
        {
            return;
        }

        var (server, grant) = admitted;
        if (context.Request.Headers.TryGetValue(ProtocolVersions.HeaderName, out var version) && !ProtocolVersions.IsSupported(version.ToString()))
        {
            await GatewayError.InvalidRequest($"Unsupported MCP-Protocol-Version '{version}'; supported: {ProtocolVersions.SupportedList}.").WriteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!IsJson(context.Request.ContentType))
        {
            await new GatewayError(StatusCodes.Status415UnsupportedMediaType, -32600, "Content-Type must be application/json.").WriteAsync(context).ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await new GatewayError(StatusCodes.Status413PayloadTooLarge, -32600,
                $"The request body is larger than {config.MaxRequestBodyBytes} bytes.").WriteAsync(context).ConfigureAwait(false);
            return;
        }

        using var message = JsonRpcMessage.TryParse(body, config.MaxArgumentDepth, out var parseError);
        if (message is null)
        {
            await parseError!.WriteAsync(context).ConfigureAwait(false);
            return;
        }

        var isInitialize = message.Kind == JsonRpcKind.Request && message.Method == "initialize";
        StoredSession? session = null;
        var sessionHeader = context.Request.Headers[ProtocolVersions.SessionHeaderName];
        if (!StringValues.IsNullOrEmpty(sessionHeader))
        {
            session = await sessions.FindAsync(sessionHeader.ToString(), grant.Name, server.Id, context.RequestAborted).ConfigureAwait(false);
            if (session is null)
            {
                await GatewayError.UnknownSession().WriteAsync(context, message.Id).ConfigureAwait(false);
                return;
            }
        }
        else if (!isInitialize)
        {
            await GatewayError.InvalidRequest("Mcp-Session-Id is required for every request after initialize.").WriteAsync(context, message.Id).ConfigureAwait(false);
            return;
        }

        var policy = policies.Current(server.Id);
        if (policy is null)
        {
            await new GatewayError(StatusCodes.Status503ServiceUnavailable, -32603, $"No policy is loaded for server '{server.Id}'.").WriteAsync(context, message.Id).ConfigureAwait(false);
            return;
        }

        if (message.Method == "notifications/cancelled")
        {
            await WithdrawIfHeldAsync(message, session).ConfigureAwait(false);
        }

        var upstream = new UpstreamHttpSession(upstreamClients.For(server), server, config.MaxUpstreamResponseBytes, session?.UpstreamSessionId,
            version.Count > 0 ? version.ToString() : null);
        var admission = await gate.AdmitMessageAsync(policy, message, grant, upstream, session?.Id, startedAt, context.RequestAborted).ConfigureAwait(false);
        if (admission.Hold is not null)
        {
            admission = await HoldAsync(context, message, session, admission).ConfigureAwait(false);
            if (context.RequestAborted.IsCancellationRequested)
            {
                await gate.AbandonAsync(admission).ConfigureAwait(false);
                return;
            }
        }

        if (admission.Error is { } error)
        {
            await error.WriteAsync(context, message.Id).ConfigureAwait(false);
            return;
        }

        if (admission.Denial is { } denial)
        {
            await DenialResult.WriteAsync(context, message.Id, denial).ConfigureAwait(false);
            return;
        }

        using var request = CreateUpstreamRequest(HttpMethod.Post, server, session, context.Request);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var exchange = new UpstreamExchange();
        try
        {
            await SendAndRelayAsync(context, server, request, message, isInitialize, grant, session, admission.Rewriter, exchange).ConfigureAwait(false);
        }
        finally
        {
            if (!exchange.Executed && admission.Leases.Count > 0)
            {
                // The call never ran upstream: give its reservations back.
                await gate.RollbackAsync(admission.Leases, CancellationToken.None).ConfigureAwait(false);
            }

            await gate.CompleteAsync(admission, exchange.Status, exchange.Elapsed, exchange.Failed).ConfigureAwait(false);
        }
    }

    public async Task HandleGetAsync(HttpContext context, string serverId)
    {
        if (await AdmitAsync(context, serverId).ConfigureAwait(false) is not { } admitted
            || await FindSessionAsync(context, admitted.Server, admitted.Grant).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        using var request = CreateUpstreamRequest(HttpMethod.Get, admitted.Server, session, context.Request);
        if (context.Request.Headers.TryGetValue("Last-Event-ID", out var lastEventId))
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId.ToString());
        }

        await SendAndRelayAsync(context, admitted.Server, request, message: null, isInitialize: false, admitted.Grant, session, rewriter: null, new UpstreamExchange())
            .ConfigureAwait(false);
    }

    public async Task HandleDeleteAsync(HttpContext context, string serverId)
    {
        if (await AdmitAsync(context, serverId).ConfigureAwait(false) is not { } admitted
            || await FindSessionAsync(context, admitted.Server, admitted.Grant).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        await sessions.RemoveAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
        if (session.UpstreamSessionId is not null)
        {
            try
            {
                using var request = CreateUpstreamRequest(HttpMethod.Delete, admitted.Server, session, context.Request);
                using var response = await upstreamClients.For(admitted.Server).SendAsync(request, context.RequestAborted).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                Log.UpstreamFailed(logger, admitted.Server.Id, e.Message);
            }
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Server, origin and grant checks shared by every method; writes the refusal itself.</summary>
    private async Task<(UpstreamServerConfig Server, Grant Grant)?> AdmitAsync(HttpContext context, string serverId)
    {
        if (!_hosts.Allows(context.Request.Host.Host))
        {
            await GatewayError.Forbidden($"Host '{context.Request.Host.Host}' is not allowed.").WriteAsync(context).ConfigureAwait(false);
            return null;
        }

        if (context.Request.Headers.Origin is { Count: > 0 } origin && !config.AllowedOrigins.Contains(origin.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            await GatewayError.Forbidden($"Origin '{origin}' is not allowed.").WriteAsync(context).ConfigureAwait(false);
            return null;
        }

        if (!_servers.TryGetValue(serverId, out var server))
        {
            await new GatewayError(StatusCodes.Status404NotFound, -32600, $"Unknown server '{serverId}'.").WriteAsync(context).ConfigureAwait(false);
            return null;
        }

        var authorization = context.Request.Headers.Authorization;
        GrantCheck check;
        try
        {
            check = authorization.Count == 1
                ? await grants.CheckAsync(authorization.ToString(), serverId, context.RequestAborted).ConfigureAwait(false)
                : new GrantCheck(GrantCheckStatus.MissingToken, null);
        }
        catch (StoreUnavailableException e)
        {
            // Fail closed: a grant that cannot be checked is not accepted.
            Log.UpstreamFailed(logger, serverId, "grant store: " + e.Message);
            await new GatewayError(StatusCodes.Status503ServiceUnavailable, -32005, "The grant store is unavailable; try again shortly.")
                .WriteAsync(context).ConfigureAwait(false);
            return null;
        }

        if (check.Status == GrantCheckStatus.Accepted)
        {
            return (server, check.Grant!);
        }

        Log.AuthRefused(logger, serverId, check.Status.ToString(), check.Grant?.Name);
        var refusal = check.RefusalFor(serverId)!;
        var error = check.Status == GrantCheckStatus.WrongServer ? GatewayError.Forbidden(refusal) : GatewayError.Unauthorized(refusal);
        if (error.StatusCode == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"portcullis\"";
        }

        await error.WriteAsync(context).ConfigureAwait(false);
        return null;
    }

    private async Task<StoredSession?> FindSessionAsync(HttpContext context, UpstreamServerConfig server, Grant grant)
    {
        var header = context.Request.Headers[ProtocolVersions.SessionHeaderName];
        if (StringValues.IsNullOrEmpty(header))
        {
            await GatewayError.InvalidRequest("Mcp-Session-Id is required.").WriteAsync(context).ConfigureAwait(false);
            return null;
        }

        var session = await sessions.FindAsync(header.ToString(), grant.Name, server.Id, context.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            await GatewayError.UnknownSession().WriteAsync(context).ConfigureAwait(false);
        }

        return session;
    }
}
