using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// Properties of the HTTP front door for any body a client may POST with a valid grant and
/// session: the gateway always answers with a status and error of its own (never 500, never an
/// empty error, never its "could not handle" fallback); a body it refuses reaches no upstream
/// and one it forwards arrives byte for byte; every <c>tools/call</c> that reaches the upstream
/// has exactly one audit record and is one the policy allows, read as the upstream reads it.
/// </summary>
public sealed class FrontDoorPropertyTests(FrontDoorPropertyFixture gateway) : IClassFixture<FrontDoorPropertyFixture>
{
    [Property(MaxTest = 100)]
    public Property RandomBytes_AreAnsweredByTheGateway_AndForwardedOnlyWhenAccepted() =>
        Prop.ForAll(FrontDoorGenerators.Bytes.ToArbitrary(), CheckAsync);

    [Property(MaxTest = 150)]
    public Property RandomJson_IsAnsweredByTheGateway_AndForwardedOnlyWhenAccepted() =>
        Prop.ForAll(FrontDoorGenerators.JsonBody.ToArbitrary(), CheckAsync);

    [Property(MaxTest = 200)]
    public Property MutatedMessages_AreDecidedAndAuditedOnce_AndOnlyAllowedCallsReachTheUpstream() =>
        Prop.ForAll(FrontDoorGenerators.Message.ToArbitrary(), CheckAsync);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"\udfff":1}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","\ud800":1}""")]
    public async Task Post_PropertyNameEscapingHalfASurrogatePair_IsRefusedAsNotUnicode(string body)
    {
        var cancel = TestContext.Current.CancellationToken;
        var (token, _) = gateway.NewGrant();
        var session = await gateway.OpenSessionAsync(token, cancel);
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(Encoding.UTF8.GetBytes(body), token, session, cancel);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(-32700, answer.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("not valid Unicode", answer.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    private async Task CheckAsync(FrontDoorBody body)
    {
        var cancel = TestContext.Current.CancellationToken;
        var (token, grant) = gateway.NewGrant();
        var session = await gateway.OpenSessionAsync(token, cancel);
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(body.Bytes, token, session, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        var received = gateway.Recorder.ClientMessages.Skip(before).Select(r => r.Body).ToList();
        var records = await gateway.CallRecordsAsync(grant, cancel);

        var status = (int)response.StatusCode;
        Assert.NotEqual(500, status);
        var answer = Answer.Read(status, text);
        Assert.False(answer.IsFallback, $"The gateway failed unexpectedly: {text}");
        var refused = (answer.IsError && status is not (502 or 504)) || answer.IsDenial;
        if (refused)
        {
            Assert.Empty(received);
        }
        else
        {
            // Forwarded exactly as the policy saw it.
            Assert.Equal(Encoding.UTF8.GetString(body.Bytes), Assert.Single(received));
        }

        if (received.Count == 1 && ToolCall.AsTheServerReads(received[0]) is { } call)
        {
            var record = Assert.Single(records);
            Assert.Equal(call.Name, record.Tool);
            Assert.Contains(record.Decision, (string[])[AuditDecisions.Allow, AuditDecisions.UpstreamError]);
            Assert.False(call.IsDeniedByPolicy, $"A call the policy denies reached the upstream as: {received[0]}");
        }
        else
        {
            // Nothing ran: at most the record of a policy's denial.
            Assert.InRange(records.Count, answer.IsDenial || answer.IsUnknownTool ? 1 : 0, 1);
            Assert.All(records, r => Assert.Equal(AuditDecisions.Deny, r.Decision));
        }
    }

    /// <summary>What the client got back.</summary>
    private sealed record Answer(bool IsError, bool IsDenial, bool IsUnknownTool, bool IsFallback)
    {
        public static Answer Read(int status, string text)
        {
            if (text.Length == 0)
            {
                Assert.True(status is 200 or 202, $"HTTP {status} with an empty body");
                return new Answer(false, false, false, false);
            }

            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                // The recorder never answers an error itself: every one is the gateway's, and says what is wrong.
                Assert.Equal(JsonValueKind.Number, error.GetProperty("code").ValueKind);
                var message = error.GetProperty("message").GetString();
                Assert.False(string.IsNullOrWhiteSpace(message));
                return new Answer(true, false, message!.StartsWith("Unknown tool: ", StringComparison.Ordinal),
                    message.Contains("could not handle this request", StringComparison.Ordinal));
            }

            Assert.True(status < 400, $"HTTP {status} without an error: {text}");
            var result = root.GetProperty("result");
            var denial = result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True
                && result.GetProperty("content")[0].GetProperty("text").GetString()!.StartsWith("[POLICY DENIED] ", StringComparison.Ordinal);
            return new Answer(false, denial, false, false);
        }
    }

    /// <summary>A <c>tools/call</c> as a lenient server reads it: method names matched loosely, repeated names resolved its way.</summary>
    private sealed record ToolCall(string Name, string? Mode)
    {
        public bool IsDeniedByPolicy => Name.StartsWith("delete_", StringComparison.Ordinal) || Name == "blocked" || (Name == "guarded" && Mode == "danger");

        public static ToolCall? AsTheServerReads(string body)
        {
            // As deep as the gateway lets arguments nest (64 levels below the message and its params), and then some.
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String
                || !string.Equals(method.GetString(), "tools/call", StringComparison.OrdinalIgnoreCase)
                || !root.TryGetProperty("id", out _)
                || !root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object
                || !parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var mode = parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object
                && arguments.TryGetProperty("mode", out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
            return new ToolCall(name.GetString()!, mode);
        }
    }
}
