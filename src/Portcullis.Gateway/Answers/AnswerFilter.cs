using System.Text.Json;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Answers;

/// <summary>What becomes of one message an upstream sent.</summary>
internal enum AnswerVerdict
{
    /// <summary>It reaches the client (<see cref="AnswerFilter.Output"/>, rewritten when it is a filtered tool list).</summary>
    Relay,

    /// <summary>It is dropped: a response to some other request, a repeated answer, or a method that may not pass.</summary>
    Drop,
}

/// <summary>
/// Checks every message an upstream sends on the stream of one client request (or on the GET
/// stream) before any of it reaches the client: it must be a JSON-RPC 2.0 message no deeper than
/// the server may nest; a response must answer this request, once; a request or notification
/// must use a method that may travel from server to client. The answer to a <c>tools/list</c>
/// is filtered by the policy, and one that cannot be filtered fails the answer rather than
/// showing the upstream's list unfiltered.
/// </summary>
internal sealed class AnswerFilter
{
    private readonly string? _requestId;
    private readonly ToolsListRewriter? _rewriter;
    private readonly InstructionsRewriter? _initializeRewriter;
    private readonly McpMethods _methods;
    private readonly int _maxDepth;

    /// <param name="requestId">The id of the client's request; undefined when no response is expected (a notification, the GET stream).</param>
    public AnswerFilter(JsonElement requestId, ToolsListRewriter? rewriter, McpMethods methods, int maxDepth, InstructionsRewriter? initializeRewriter = null)
    {
        _requestId = requestId.ValueKind is JsonValueKind.String or JsonValueKind.Number ? requestId.GetRawText() : null;
        _rewriter = rewriter;
        _initializeRewriter = initializeRewriter;
        _methods = methods;
        _maxDepth = maxDepth;
    }

    /// <summary>Whether a response is expected.</summary>
    public bool ExpectsAnswer => _requestId is not null;

    /// <summary>Whether the response to the request has been relayed.</summary>
    public bool Answered { get; private set; }

    /// <summary>The bytes to relay after <see cref="AnswerVerdict.Relay"/>: the message itself, or its filtered form.</summary>
    public ReadOnlyMemory<byte> Output { get; private set; }

    /// <summary>Why the last message was dropped.</summary>
    public string? DropReason { get; private set; }

    /// <summary>
    /// Does the store work the inspection of <paramref name="message"/> needs: for the answer to a
    /// <c>tools/list</c>, checking its tools against their pins. Call it before <see cref="Inspect"/>.
    /// </summary>
    public ValueTask PrepareAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        _rewriter is null || Answered ? ValueTask.CompletedTask : _rewriter.PrepareAsync(message, _maxDepth, cancellationToken);

    /// <summary>Judges one message; throws <see cref="UpstreamAnswerException"/> when the answer cannot be relayed at all.</summary>
    public AnswerVerdict Inspect(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            // Repeated names are refused as in requests: the client's parser might read the other one.
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = _maxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw Unreadable(e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"a message nests deeper than {_maxDepth} levels (max_response_depth)"
                : "a message is not JSON (or repeats a property name)");
        }
        catch (InvalidOperationException)
        {
            // Looking for repeated names reads every name; one escaping half a surrogate pair cannot be read.
            throw Unreadable("a message is not JSON: a property name is not valid Unicode");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("jsonrpc", out var version) || !version.ValueEquals("2.0"))
            {
                throw Unreadable("a message is not a JSON-RPC 2.0 object");
            }

            // A client that reads names case-insensitively could take Result for result, or Name for a tool's name:
            // such names are compared in the envelope and result, and in each tool of a tool list (not inside schemas).
            if (FoldedNames.FindCollision(message.Span, _maxDepth, _rewriter is null ? 2 : 3) is { } folded)
            {
                throw Unreadable($"a message has two property names that differ only by case ('{Excerpt.Of(folded, 40)}')");
            }

            var hasId = root.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number;
            if (root.TryGetProperty("method", out var method))
            {
                if (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _))
                {
                    throw Unreadable("a message has both a method and a result or error");
                }

                if (method.ValueKind != JsonValueKind.String || !JsonStrings.TryGet(method, out var name))
                {
                    throw Unreadable("a message's method is not a string");
                }

                return _methods.AllowsFromServer(name) ? Relay(message) : Drop($"the server sent method '{name}', which may not pass to the client");
            }

            var isResponse = hasId && (root.TryGetProperty("result", out _) ^ root.TryGetProperty("error", out _));
            if (!isResponse)
            {
                throw Unreadable("a message is neither a request, a notification nor a response");
            }

            if (_requestId is null || id.GetRawText() != _requestId)
            {
                return Drop($"the server sent a response with id {Excerpt.Of(id.GetRawText(), 40)}, which answers no request on this stream");
            }

            if (Answered)
            {
                return Drop("the server answered the same request twice");
            }

            Answered = true;
            if (_initializeRewriter is not null && root.TryGetProperty("result", out _))
            {
                return Relay(_initializeRewriter.Rewrite(root) ?? message);
            }

            if (_rewriter is null || !root.TryGetProperty("result", out _))
            {
                return Relay(message);
            }

            byte[]? filtered;
            try
            {
                filtered = _rewriter.Rewrite(root);
            }
            catch (InvalidOperationException)
            {
                // A tool name that is not valid Unicode cannot be matched against the policy.
                filtered = null;
            }

            return Relay(filtered ?? throw new UpstreamAnswerException(UpstreamFault.ToolListUnreadable, "the tools/list result could not be filtered by the policy"));
        }
    }

    private AnswerVerdict Relay(ReadOnlyMemory<byte> output)
    {
        Output = output;
        DropReason = null;
        return AnswerVerdict.Relay;
    }

    private AnswerVerdict Drop(string reason)
    {
        Output = default;
        DropReason = reason;
        return AnswerVerdict.Drop;
    }

    /// <summary>
    /// The failure for an answer that cannot be relayed as it is: for a <c>tools/list</c>, that its
    /// tool list could not be read, whatever was wrong with it, so the client is told the same
    /// thing for every list it is not shown.
    /// </summary>
    public UpstreamAnswerException Unreadable(string detail) =>
        new(_rewriter is not null ? UpstreamFault.ToolListUnreadable : UpstreamFault.NotJsonRpc, detail);
}
