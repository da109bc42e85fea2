namespace Portcullis.Gateway.Protocol;

/// <summary>How a request to an upstream went wrong.</summary>
internal enum UpstreamFault
{
    /// <summary>The server could not be reached, or the connection broke mid-answer.</summary>
    Unreachable,

    /// <summary>No complete answer within the server's <c>timeout</c>.</summary>
    TimedOut,

    /// <summary>The server already has <c>max_concurrent_calls</c> requests in flight.</summary>
    Busy,

    /// <summary>The circuit breaker is open: the server failed too often lately.</summary>
    CircuitOpen,

    /// <summary>The server answered with an HTTP error status that is its own fault (5xx, 401, 403).</summary>
    Status,

    /// <summary>The answer is not a JSON-RPC answer to the request: wrong content type, not JSON, too deep, wrong id, or missing.</summary>
    NotJsonRpc,

    /// <summary>The answer, or one event of it, is larger than <c>max_response_bytes</c>.</summary>
    TooLarge,

    /// <summary>The answer to a <c>tools/list</c> could not be filtered by the policy: not a tool list, or, as for <see cref="NotJsonRpc"/>, not an answer at all.</summary>
    ToolListUnreadable,
}
