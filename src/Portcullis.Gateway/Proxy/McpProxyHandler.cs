using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.Diagnostics;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage;
using Portcullis.Storage.Sessions;

namespace Portcullis.Gateway.Proxy;

/// <summary>
/// The Streamable HTTP front door, <c>/mcp/{serverId}</c>: checks Host, Origin, grant and session,
/// decides <c>tools/call</c> by policy, and relays everything else in both directions once the
/// upstream's answer has been checked. The agent's credentials, cookies and session id never
/// reach the upstream. Every request refused before a policy decision is recorded as a refusal.
/// </summary>
internal sealed partial class McpProxyHandler(
    GatewayConfig config,
    GrantRegistry grants,
    SessionRegistry sessions,
    PolicyRegistry policies,
    ToolCallGate gate,
    UpstreamClients upstreamClients,
    UpstreamGuards upstreamGuards,
    ToolCatalog tools,
    RefusalRecorder refusals,
    ILogger<McpProxyHandler> logger)
{
    private const string CorsAllowedHeaders = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";

    private readonly Dictionary<string, UpstreamServerConfig> _servers = config.Servers.ToDictionary(s => s.Id, StringComparer.Ordinal);
    private readonly HostAllowList _hosts = HostAllowList.For(config);
    private readonly HashSet<string> _origins = new(config.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public async Task HandlePostAsync(HttpContext context, string serverId)
    {
        var startedAt = Stopwatch.GetTimestamp();
        if (await AdmitAsync(context, serverId).ConfigureAwait(false) is not { } admitted)
        {
            return;
        }

        var (server, grant) = admitted;
        var refusal = new Refusal { Server = server.Id, Grant = grant.Name, Client = ClientOf(context) };
        if (context.Request.Headers.TryGetValue(ProtocolVersions.HeaderName, out var version) && !ProtocolVersions.IsSupported(version.ToString()))
        {
            await RefuseAsync(context, GatewayError.InvalidRequest($"Unsupported MCP-Protocol-Version '{Excerpt.Of(version.ToString(), 100)}'; supported: {ProtocolVersions.SupportedList}."),
                refusal).ConfigureAwait(false);
            return;
        }

        if (!IsJson(context.Request.ContentType))
        {
            await RefuseAsync(context, new GatewayError(GatewayFailure.NotJson, "Content-Type must be application/json."), refusal)
                .ConfigureAwait(false);
            return;
        }

        var (body, bodyError) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await RefuseAsync(context, bodyError!, refusal).ConfigureAwait(false);
            return;
        }

        using var message = JsonRpcMessage.TryParse(body, config.MaxArgumentDepth, out var parseError);
        if (message is null)
        {
            await RefuseAsync(context, parseError!, refusal).ConfigureAwait(false);
            return;
        }

        refusal = refusal with { Method = message.Method };
        var isInitialize = message.Kind == JsonRpcKind.Request && message.Method == "initialize";
        StoredSession? session = null;
        var sessionHeader = context.Request.Headers[ProtocolVersions.SessionHeaderName];
        if (!StringValues.IsNullOrEmpty(sessionHeader))
        {
            session = await sessions.FindAsync(sessionHeader.ToString(), grant.Name, server.Id, context.RequestAborted).ConfigureAwait(false);
            if (session is null)
            {
                await RefuseAsync(context, GatewayError.UnknownSession(), refusal, message.Id).ConfigureAwait(false);
                return;
            }
        }
        else if (!isInitialize)
        {
            await RefuseAsync(context, GatewayError.InvalidRequest("Mcp-Session-Id is required for every request after initialize."), refusal, message.Id)
                .ConfigureAwait(false);
            return;
        }

        var upstream = UpstreamSessionFor(server, session, context.Request);
        using var span = message.Method == "tools/call" ? GatewayTelemetry.StartToolCall(message, server.Id, session?.Id) : null;
        var origin = new CallOrigin(grant, server, session?.Id, ClientOf(context), startedAt);
        var ticket = await gate.AdmitAsync(policies.Current(server.Id), message, origin, tools.SourceFor(upstream), context.RequestAborted).ConfigureAwait(false);
        await using var ending = ticket.ConfigureAwait(false);
        if (ticket.Outcome == ToolCallOutcome.Hold)
        {
            await WaitForApprovalAsync(context, message, ticket).ConfigureAwait(false);
            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        switch (ticket.Outcome)
        {
            case ToolCallOutcome.Error:
                await ticket.Error!.WriteAsync(context, message.Id).ConfigureAwait(false);
                return;
            case ToolCallOutcome.Deny:
                await DenialResult.WriteAsync(context, message.Id, ticket.Denial!.Value).ConfigureAwait(false);
                return;
        }

        try
        {
            var filter = new AnswerFilter(message.Kind == JsonRpcKind.Request ? message.Id : default, ticket.ListRewriter, gate.MethodsOf(server),
                server.Limits.MaxResponseDepth, ticket.InitializeRewriter);
            await SendAndRelayAsync(context, upstream, body, filter, message.Id, isInitialize, grant, session, ticket.Upstream).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A fault of the gateway's own while the call was out: its record must not say it went well.
            ticket.Upstream.Broke("the gateway failed while relaying the answer: " + e.GetType().Name);
            throw;
        }
    }

    public async Task HandleGetAsync(HttpContext context, string serverId)
    {
        if (await AdmitAsync(context, serverId).ConfigureAwait(false) is not { } admitted
            || await FindSessionAsync(context, admitted.Server, admitted.Grant).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        await RelayStreamAsync(context, UpstreamSessionFor(admitted.Server, session, context.Request), session).ConfigureAwait(false);
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
            var upstream = UpstreamSessionFor(admitted.Server, session, context.Request);
            var failure = await upstreamGuards.RunAsync(admitted.Server, async token => await upstream.CloseAsync(token).ConfigureAwait(false), context.RequestAborted)
                .ConfigureAwait(false);
            if (failure is not null)
            {
                Log.UpstreamFailed(logger, admitted.Server.Id, failure.Detail);
            }
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>
    /// A CORS preflight: answered for origins in <c>allowed_origins</c> (no credentials are
    /// involved: the grant travels in a header the preflight allows), refused for any other.
    /// </summary>
    public async Task HandlePreflightAsync(HttpContext context, string serverId)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (!_hosts.Allows(context.Request.Host.Host) || origin.Length == 0 || !_origins.Contains(origin))
        {
            await RefuseAsync(context, new GatewayError(GatewayFailure.OriginNotAllowed, origin.Length == 0 ? "A preflight needs an Origin." : $"Origin '{Excerpt.Of(origin, 100)}' is not allowed."),
                new Refusal { Server = serverId, Client = ClientOf(context) }).ConfigureAwait(false);
            return;
        }

        AddCorsHeaders(context, origin);
        context.Response.Headers.AccessControlAllowMethods = "POST, GET, DELETE";
        context.Response.Headers.AccessControlAllowHeaders = CorsAllowedHeaders;
        context.Response.Headers.AccessControlMaxAge = "600";
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// Turns anything a handler did not expect into a JSON-RPC error with a reference to grep in
    /// the log, never a stack trace or an empty 500, and records it as a refusal.
    /// </summary>
    public async Task GuardAsync(HttpContext context, string serverId, Func<HttpContext, string, Task> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        try
        {
            await handle(context, serverId).ConfigureAwait(false);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reference = "err_" + Guid.CreateVersion7().ToString("N")[..16];
            Log.UnexpectedFailure(logger, e, reference, serverId);
            var error = new GatewayError(GatewayFailure.Internal, $"The gateway could not handle this request; reference {reference} in its log.");
            try
            {
                await RefuseAsync(context, error, new Refusal { Server = serverId, Client = ClientOf(context) }).ConfigureAwait(false);
            }
            catch (Exception writeFailure) when (writeFailure is IOException or OperationCanceledException or InvalidOperationException)
            {
                context.Abort();
            }
        }
    }

    /// <summary>Host, Origin and grant checks shared by every method, in that order; writes the refusal itself.</summary>
    private async Task<(UpstreamServerConfig Server, Grant Grant)?> AdmitAsync(HttpContext context, string serverId)
    {
        var refusal = new Refusal { Server = serverId, Client = ClientOf(context) };
        if (!_hosts.Allows(context.Request.Host.Host))
        {
            await RefuseAsync(context, new GatewayError(GatewayFailure.HostNotAllowed, $"Host '{Excerpt.Of(context.Request.Host.Host, 100)}' is not allowed."), refusal).ConfigureAwait(false);
            return null;
        }

        if (context.Request.Headers.Origin is { Count: > 0 } originHeader)
        {
            var origin = originHeader.ToString();
            if (_origins.Contains(origin))
            {
                AddCorsHeaders(context, origin);
            }
            else if (!IsSameOrigin(context.Request, origin))
            {
                await RefuseAsync(context, new GatewayError(GatewayFailure.OriginNotAllowed, $"Origin '{Excerpt.Of(origin, 100)}' is not allowed."), refusal).ConfigureAwait(false);
                return null;
            }
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
            Log.StoreUnavailable(logger, "grant store", e.Message);
            await RefuseAsync(context, new GatewayError(GatewayFailure.GrantStoreUnavailable, "The grant store is unavailable; try again shortly."), refusal)
                .ConfigureAwait(false);
            return null;
        }

        refusal = refusal with { Grant = check.Grant?.Name, Actor = check.Grant is null ? TokenFingerprint(authorization) : null };
        if (check.Status is GrantCheckStatus.Accepted or GrantCheckStatus.WrongServer && !_servers.ContainsKey(serverId))
        {
            // Only a caller with a live grant learns whether a server id exists.
            await RefuseAsync(context, new GatewayError(GatewayFailure.UnknownServer, $"Unknown server '{Excerpt.Of(serverId, 100)}'."), refusal).ConfigureAwait(false);
            return null;
        }

        if (check.Status == GrantCheckStatus.Accepted)
        {
            return (_servers[serverId], check.Grant!);
        }

        var reason = check.RefusalFor(serverId)!;
        var error = new GatewayError(FailureOf(check.Status), reason);
        if (error.StatusCode == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = BearerChallenge(check.Status, reason);
        }

        await RefuseAsync(context, error, refusal).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The <c>WWW-Authenticate</c> challenge of a refused token (RFC 6750 §3): the realm alone when
    /// no bearer token was sent (§3.1), otherwise <c>error="invalid_token"</c> with the reason.
    /// </summary>
    internal static string BearerChallenge(GrantCheckStatus status, string reason)
    {
        const string Realm = "Bearer realm=\"portcullis\"";
        if (status == GrantCheckStatus.MissingToken)
        {
            return Realm;
        }

        // error_description allows only %x20-21 / %x23-5B / %x5D-7E: no quote, backslash, control or non-ASCII character.
        var description = new StringBuilder(reason.Length);
        foreach (var c in reason)
        {
            description.Append(c switch
            {
                '"' => '\'',
                '\\' => '/',
                < ' ' or > '~' => '?',
                _ => c,
            });
        }

        return $"{Realm}, error=\"invalid_token\", error_description=\"{description}\"";
    }

    private async Task<StoredSession?> FindSessionAsync(HttpContext context, UpstreamServerConfig server, Grant grant)
    {
        var refusal = new Refusal { Server = server.Id, Grant = grant.Name, Client = ClientOf(context) };
        var header = context.Request.Headers[ProtocolVersions.SessionHeaderName];
        if (StringValues.IsNullOrEmpty(header))
        {
            await RefuseAsync(context, GatewayError.InvalidRequest("Mcp-Session-Id is required."), refusal).ConfigureAwait(false);
            return null;
        }

        var session = await sessions.FindAsync(header.ToString(), grant.Name, server.Id, context.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            await RefuseAsync(context, GatewayError.UnknownSession(), refusal).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Answers <paramref name="error"/> and records the refusal.</summary>
    private async Task RefuseAsync(HttpContext context, GatewayError error, Refusal refusal, JsonElement id = default)
    {
        await refusals.RecordAsync(error, refusal).ConfigureAwait(false);
        await error.WriteAsync(context, id).ConfigureAwait(false);
    }

    /// <summary>An <c>Origin</c> naming the gateway itself (scheme, host and port of this request): no rebinding risk once Host is checked.</summary>
    private static bool IsSameOrigin(HttpRequest request, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var parsed) || !string.Equals(parsed.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var port = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return parsed.AbsolutePath == "/" && string.IsNullOrEmpty(parsed.Query) && string.IsNullOrEmpty(parsed.UserInfo) && parsed.Port == port
            && string.Equals(parsed.Host.Trim('[', ']'), request.Host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }

    private static void AddCorsHeaders(HttpContext context, string origin)
    {
        context.Response.Headers.AccessControlAllowOrigin = origin;
        context.Response.Headers.AccessControlExposeHeaders = "Mcp-Session-Id, WWW-Authenticate, Retry-After";
        context.Response.Headers.Vary = "Origin";
    }

    private static GatewayFailure FailureOf(GrantCheckStatus status) => status switch
    {
        GrantCheckStatus.MissingToken => GatewayFailure.TokenMissing,
        GrantCheckStatus.UnknownToken => GatewayFailure.TokenUnknown,
        GrantCheckStatus.Expired => GatewayFailure.GrantExpired,
        GrantCheckStatus.Revoked => GatewayFailure.GrantRevoked,
        _ => GatewayFailure.GrantWrongServer,
    };

    /// <summary>The first 8 hex digits of the presented token's SHA-256, enough to tell attempts apart and useless for replay.</summary>
    private static string? TokenFingerprint(StringValues authorization)
    {
        var value = authorization.ToString();
        var token = value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : value.Trim();
        return token.Length == 0 ? null : "token:sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..8];
    }

    private static string? ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

}
