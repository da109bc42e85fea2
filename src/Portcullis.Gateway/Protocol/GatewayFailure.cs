using Microsoft.AspNetCore.Http;

namespace Portcullis.Gateway.Protocol;

/// <summary>Every way the gateway answers a request itself instead of relaying the upstream's answer.</summary>
internal enum GatewayFailure
{
    /// <summary>The body is not JSON, or not valid UTF-8.</summary>
    MalformedJson,

    /// <summary>The message, a header or the body's framing breaks JSON-RPC or the transport's rules.</summary>
    InvalidRequest,

    /// <summary>A request whose <c>params</c> the gateway cannot accept (e.g. a <c>tools/call</c> without a name, an unknown tool).</summary>
    InvalidParams,

    /// <summary>A method the server may not receive from clients.</summary>
    MethodNotFound,

    /// <summary>The body is larger than <c>max_request_body_bytes</c>.</summary>
    BodyTooLarge,

    /// <summary>The body arrived too slowly.</summary>
    BodyTooSlow,

    /// <summary>The body is not <c>application/json</c>.</summary>
    NotJson,

    /// <summary>The Host header names no address the gateway serves (DNS rebinding).</summary>
    HostNotAllowed,

    /// <summary>The Origin header names a site that may not call the gateway.</summary>
    OriginNotAllowed,

    /// <summary>No bearer token was sent.</summary>
    TokenMissing,

    /// <summary>The token is no grant's.</summary>
    TokenUnknown,

    /// <summary>The grant has expired.</summary>
    GrantExpired,

    /// <summary>The grant was revoked.</summary>
    GrantRevoked,

    /// <summary>The grant may not call this server.</summary>
    GrantWrongServer,

    /// <summary>No server has the id in the path.</summary>
    UnknownServer,

    /// <summary>The session id is unknown or expired.</summary>
    UnknownSession,

    /// <summary>The server has no policy loaded.</summary>
    NoPolicy,

    /// <summary>The audit log cannot keep records, so no call is decided.</summary>
    AuditUnavailable,

    /// <summary>The grant store cannot be asked, so no token is accepted.</summary>
    GrantStoreUnavailable,

    /// <summary>A fault of the gateway's own.</summary>
    Internal,

    /// <summary>The upstream could not be reached, or the connection broke.</summary>
    UpstreamUnreachable,

    /// <summary>The upstream did not answer in time.</summary>
    UpstreamTimedOut,

    /// <summary>The upstream has as many calls in flight as it may, or said it is busy.</summary>
    UpstreamBusy,

    /// <summary>The upstream's circuit breaker is open.</summary>
    UpstreamCircuitOpen,

    /// <summary>The upstream's answer is not a JSON-RPC answer to the request.</summary>
    UpstreamAnswerInvalid,

    /// <summary>The upstream's answer is larger than <c>max_response_bytes</c>.</summary>
    UpstreamAnswerTooLarge,

    /// <summary>The upstream's tool list could not be filtered by the policy.</summary>
    UpstreamToolListUnreadable,

    /// <summary>The upstream refused the request with a 4xx status of its own (relayed).</summary>
    UpstreamRefused,

    /// <summary>A <c>command</c> upstream already runs as many processes as it may, overall or for the grant.</summary>
    UpstreamProcessesExhausted,
}

/// <summary>How a failure is answered and recorded: HTTP status, JSON-RPC code, the refusal record's action and the event id of its log line.</summary>
/// <param name="Status">The HTTP status (a request answered over an open event stream gets it as an event instead).</param>
/// <param name="Code">The JSON-RPC error code.</param>
/// <param name="AuditAction">The <c>action</c> of the refusal record, when the failure refuses a request before any decision.</param>
/// <param name="EventId">The id of the log event that reports it.</param>
internal readonly record struct FailureShape(int Status, int Code, string AuditAction, int EventId);

/// <summary>The one table of failures.</summary>
internal static class GatewayFailures
{
    /// <summary>Refused requests (logged at debug by the refusal recorder).</summary>
    private const int Refused = 2005;

    /// <summary>Upstream failures.</summary>
    private const int UpstreamFailed = 3001;

    /// <summary>Store outages.</summary>
    private const int StoreUnavailable = 4001;

    /// <summary>Faults of the gateway's own.</summary>
    private const int UnexpectedFailure = 2006;

    private static readonly FailureShape[] s_shapes = Build();

    /// <summary>The shape of <paramref name="failure"/>.</summary>
    public static FailureShape Of(GatewayFailure failure) => s_shapes[(int)failure];

    private static FailureShape[] Build()
    {
        var shapes = new FailureShape[Enum.GetValues<GatewayFailure>().Length];
        void Add(GatewayFailure failure, int status, int code, string action, int eventId) => shapes[(int)failure] = new FailureShape(status, code, action, eventId);

        Add(GatewayFailure.MalformedJson, StatusCodes.Status400BadRequest, -32700, "bad_request", Refused);
        Add(GatewayFailure.InvalidRequest, StatusCodes.Status400BadRequest, -32600, "bad_request", Refused);
        Add(GatewayFailure.InvalidParams, StatusCodes.Status200OK, -32602, "bad_request", Refused);
        Add(GatewayFailure.MethodNotFound, StatusCodes.Status200OK, -32601, "method_not_found", Refused);
        Add(GatewayFailure.BodyTooLarge, StatusCodes.Status413PayloadTooLarge, -32600, "bad_request", Refused);
        Add(GatewayFailure.BodyTooSlow, StatusCodes.Status408RequestTimeout, -32600, "bad_request", Refused);
        Add(GatewayFailure.NotJson, StatusCodes.Status415UnsupportedMediaType, -32600, "bad_request", Refused);
        Add(GatewayFailure.HostNotAllowed, StatusCodes.Status403Forbidden, -32001, "host", Refused);
        Add(GatewayFailure.OriginNotAllowed, StatusCodes.Status403Forbidden, -32001, "origin", Refused);
        Add(GatewayFailure.TokenMissing, StatusCodes.Status401Unauthorized, -32001, "auth.missing_token", Refused);
        Add(GatewayFailure.TokenUnknown, StatusCodes.Status401Unauthorized, -32001, "auth.unknown_token", Refused);
        Add(GatewayFailure.GrantExpired, StatusCodes.Status401Unauthorized, -32001, "auth.expired", Refused);
        Add(GatewayFailure.GrantRevoked, StatusCodes.Status401Unauthorized, -32001, "auth.revoked", Refused);
        Add(GatewayFailure.GrantWrongServer, StatusCodes.Status403Forbidden, -32001, "auth.wrong_server", Refused);
        Add(GatewayFailure.UnknownServer, StatusCodes.Status404NotFound, -32600, "unknown_server", Refused);
        Add(GatewayFailure.UnknownSession, StatusCodes.Status404NotFound, -32600, "unknown_session", Refused);
        Add(GatewayFailure.NoPolicy, StatusCodes.Status503ServiceUnavailable, -32603, "no_policy", Refused);
        Add(GatewayFailure.AuditUnavailable, StatusCodes.Status503ServiceUnavailable, -32005, "audit_unavailable", StoreUnavailable);
        Add(GatewayFailure.GrantStoreUnavailable, StatusCodes.Status503ServiceUnavailable, -32005, "grant_store_unavailable", StoreUnavailable);
        Add(GatewayFailure.Internal, StatusCodes.Status503ServiceUnavailable, -32603, "internal_error", UnexpectedFailure);
        Add(GatewayFailure.UpstreamUnreachable, StatusCodes.Status502BadGateway, -32003, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamTimedOut, StatusCodes.Status504GatewayTimeout, -32003, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamBusy, StatusCodes.Status503ServiceUnavailable, -32003, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamCircuitOpen, StatusCodes.Status503ServiceUnavailable, -32003, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamAnswerInvalid, StatusCodes.Status502BadGateway, -32603, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamAnswerTooLarge, StatusCodes.Status502BadGateway, -32603, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamToolListUnreadable, StatusCodes.Status502BadGateway, -32603, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamRefused, StatusCodes.Status400BadRequest, -32600, "upstream_error", UpstreamFailed);
        Add(GatewayFailure.UpstreamProcessesExhausted, StatusCodes.Status503ServiceUnavailable, -32003, "upstream_error", UpstreamFailed);
        return shapes;
    }
}
