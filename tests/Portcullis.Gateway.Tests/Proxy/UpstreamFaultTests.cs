using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// Upstreams that hang, drip, flood, break off or answer garbage: the client gets the gateway's own
/// precise error (never the upstream's body), each call gets exactly one <c>upstream_error</c>
/// record naming the failure, memory stays bounded, and one server's trouble never reaches
/// another's callers.
/// </summary>
public sealed class UpstreamFaultTests(UpstreamFaultFixture gateway) : IClassFixture<UpstreamFaultFixture>
{
    private const string NotJsonRpc = "Upstream server 'faulty' answered with something that is not a JSON-RPC answer to this request.";
    private const string Unavailable = "Upstream server 'faulty' could not be reached or answered badly.";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Call(int id, string tool, string arguments = "{}") =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{"name":"{{tool}}","arguments":""" + arguments + "}}";

    [Theory]
    [InlineData("hang", 504, -32003, "Upstream server 'faulty' did not answer in time (no complete answer within 2 s).", "no complete answer within 2 s")]
    [InlineData("html", 502, -32603, NotJsonRpc, "the answer's content type is 'text/html', not JSON or an event stream")]
    [InlineData("truncated", 502, -32603, NotJsonRpc, "a message is not JSON")]
    [InlineData("wrong_id", 502, -32603, NotJsonRpc, "the server sent a response with id \"not-7\", which answers no request on this stream")]
    [InlineData("deep", 502, -32603, NotJsonRpc, "a message nests deeper than 128 levels (max_response_depth)")]
    [InlineData("huge_event", 502, -32603,
        "Upstream server 'faulty' answered with more than the gateway relays (an event of the answer is larger than 1048576 bytes (max_response_bytes)).",
        "an event of the answer is larger than 1048576 bytes (max_response_bytes)")]
    [InlineData("bad_name", 502, -32603, NotJsonRpc, "a message is not JSON")]
    [InlineData("reset", 502, -32003, Unavailable, "the connection broke mid-answer")]
    [InlineData("error500", 502, -32003, Unavailable, "HTTP 500")]
    public async Task CallTool_MisbehavingUpstream_AnswersTheGatewaysOwnError_AndAuditsOneUpstreamError(string tool, int status, int code, string message, string reason)
    {
        var (token, grant) = gateway.NewGrant("faulty");
        var session = await gateway.OpenSessionAsync("faulty", token);
        var reachedBefore = gateway.Upstream.CallsTo(tool);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.PostAsync("faulty", Call(7, tool), token, session, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // The whole body is the gateway's error: nothing of the upstream's answer comes along.
        Assert.Equal(ErrorJson(7, code, message), body);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, s_timeout * 3);
        Assert.Equal(reachedBefore + 1, gateway.Upstream.CallsTo(tool));
        AssertOneUpstreamError(await gateway.CallRecordsAsync(grant), tool, reason);
    }

    [Fact]
    public async Task CallTool_UpstreamDripsKeepAlivesForever_EndsTheOpenStreamWithATimeoutError()
    {
        var (token, grant) = gateway.NewGrant("faulty");
        var session = await gateway.OpenSessionAsync("faulty", token);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.PostAsync("faulty", Call(8, "drip"), token, session, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        // The keep-alives opened the client's event stream, so the error is its last event.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ErrorJson(8, -32003, "Upstream server 'faulty' did not answer in time (no complete answer within 2 s)."), Assert.Single(DataOf(body)));
        // Each keep-alive arrived as a bare comment: neither its text nor the field the format does not define came along.
        Assert.StartsWith(":\n\n:\n\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal.Secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-trace", body, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, s_timeout, s_timeout * 3);
        AssertOneUpstreamError(await gateway.CallRecordsAsync(grant), "drip", "no complete answer within 2 s");
    }

    [Fact]
    public async Task CallTool_EventThatNeverEnds_IsCutAtMaxResponseBytes_NotHeldUntilTheDeadline()
    {
        var (token, grant) = gateway.NewGrant("faulty");
        var session = await gateway.OpenSessionAsync("faulty", token);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.PostAsync("faulty", Call(9, "flood"), token, session, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        // Cut as too large, not timed out: the gateway stopped reading at its cap instead of holding the event.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(ErrorJson(9, -32603,
            "Upstream server 'faulty' answered with more than the gateway relays (an event of the answer is larger than 1048576 bytes (max_response_bytes))."), body);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, s_timeout);
        // Of the 1 GiB offered, the upstream got out its cap plus what socket buffers and the connection's drain took before the gateway hung up.
        Assert.InRange(gateway.Upstream.FloodBytesSent, UpstreamFaultFixture.MaxResponseBytes, 32L * 1024 * 1024);
        AssertOneUpstreamError(await gateway.CallRecordsAsync(grant), "flood", "larger than 1048576 bytes (max_response_bytes)");
    }

    [Fact]
    public async Task CallTool_EndlessEventsWithoutData_AreCutAtMaxResponseBytes_AndTheirTextIsNotRelayed()
    {
        var (token, grant) = gateway.NewGrant("faulty");
        var session = await gateway.OpenSessionAsync("faulty", token);
        var clock = Stopwatch.StartNew();

        using var response = await gateway.PostAsync("faulty", Call(10, "comments"), token, session, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        // The comments opened the client's event stream; the whole answer counts against the cap, not only its data.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ErrorJson(10, -32603,
            "Upstream server 'faulty' answered with more than the gateway relays (the streamed answer is larger than 1048576 bytes (max_response_bytes))."),
            Assert.Single(DataOf(body)));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, s_timeout);
        // Each 16 KiB comment reached the client as a bare one: it kept the connection alive, but its text stayed behind.
        Assert.DoesNotContain("cccc", body, StringComparison.Ordinal);
        Assert.StartsWith(":\n\n:\n\n", body, StringComparison.Ordinal);
        AssertOneUpstreamError(await gateway.CallRecordsAsync(grant), "comments", "the streamed answer is larger than 1048576 bytes");
    }

    [Theory]
    [InlineData("list-deep")]
    [InlineData("list-wrong-id")]
    [InlineData("list-no-tools")]
    [InlineData("list-case-result")]
    [InlineData("list-case-tools")]
    [InlineData("list-method-result")]
    public async Task ToolsList_AnswerThatCannotBeFiltered_IsAnError_AndShowsNoTool(string server)
    {
        var (token, _) = gateway.NewGrant(server);
        var session = await gateway.OpenSessionAsync(server, token);

        using var response = await gateway.PostAsync(server, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", token, session, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(ErrorJson(3, -32603, $"The upstream's tool list could not be read, so it is not shown (server '{server}')."), body);
        Assert.DoesNotContain(MisbehavingUpstream.HiddenTool, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsList_ProperAnswer_ShowsTheToolsButNotTheHiddenOne()
    {
        var (token, _) = gateway.NewGrant("faulty");
        var session = await gateway.OpenSessionAsync("faulty", token);

        using var response = await gateway.PostAsync("faulty", """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", token, session, Cancel);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));

        var names = answer.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(MisbehavingUpstream.Tools.Where(t => t != MisbehavingUpstream.HiddenTool), names);
    }

    [Fact]
    public async Task SdkClient_MisbehavingUpstream_SeesTheGatewaysErrors()
    {
        var (token, grant) = gateway.NewGrant("faulty", "list-no-tools");
        await using var client = await gateway.ConnectAsync("faulty", token);
        await using var lister = await gateway.ConnectAsync("list-no-tools", token);

        var timedOut = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("drip", cancellationToken: Cancel).AsTask());
        var html = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("html", cancellationToken: Cancel).AsTask());
        var list = await Assert.ThrowsAnyAsync<Exception>(() => lister.ListToolsAsync(cancellationToken: Cancel).AsTask());
        var ok = await client.CallToolAsync("ok", cancellationToken: Cancel);

        Assert.Equal((McpErrorCode)(-32003), timedOut.ErrorCode);
        Assert.Contains("did not answer in time", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("not a JSON-RPC answer to this request", html.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal.Secret", html.ToString(), StringComparison.Ordinal);
        Assert.Contains("tool list could not be read", list.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MisbehavingUpstream.HiddenTool, list.ToString(), StringComparison.Ordinal);
        Assert.Equal("ok from ok", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(ok.Content)).Text);
        var records = await gateway.CallRecordsAsync(grant);
        Assert.Equal(["drip", "html", "ok"], records.Select(r => r.Tool));
        Assert.Equal([AuditDecisions.UpstreamError, AuditDecisions.UpstreamError, AuditDecisions.Allow], records.Select(r => r.Decision));
    }

    [Fact]
    public async Task HangingServer_DoesNotSlowCallsToAnotherServer()
    {
        var (token, grant) = gateway.NewGrant("faulty", "steady");
        var faultySession = await gateway.OpenSessionAsync("faulty", token);
        var steadySession = await gateway.OpenSessionAsync("steady", token);
        var hangsBefore = gateway.Upstream.CallsTo("hang");

        var hangs = Enumerable.Range(0, 4).Select(async i =>
        {
            using var response = await gateway.PostAsync("faulty", Call(20 + i, "hang"), token, faultySession, Cancel);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Cancel));
        }).ToList();
        await gateway.Upstream.WaitForCallsAsync("hang", hangsBefore + 4, Cancel);
        var clock = Stopwatch.StartNew();
        using var steady = await gateway.PostAsync("steady", Call(30, "ok"), token, steadySession, Cancel);
        var steadyBody = await steady.Content.ReadAsStringAsync(Cancel);
        var steadyTime = clock.Elapsed;
        var hangsPending = hangs.Count(h => !h.IsCompleted);
        var hung = await Task.WhenAll(hangs);

        Assert.Equal(HttpStatusCode.OK, steady.StatusCode);
        Assert.Contains("ok from ok", steadyBody, StringComparison.Ordinal);
        // Answered while all four calls to the other server were still waiting for theirs.
        Assert.Equal(4, hangsPending);
        Assert.InRange(steadyTime, TimeSpan.Zero, s_timeout / 2);
        Assert.All(hung, h => Assert.Equal(504, h.Item1));
        var records = await gateway.CallRecordsAsync(grant);
        Assert.Equal(4, records.Count(r => r.Tool == "hang" && r.Decision == AuditDecisions.UpstreamError));
        Assert.Equal(AuditDecisions.Allow, Assert.Single(records, r => r.Server == "steady").Decision);
    }

    [Fact]
    public async Task CallBeyondMaxConcurrentCalls_Is503AtOnce_WhileSlowCallsRun_AndItsLimitIsGivenBack()
    {
        var (token, grant) = gateway.NewGrant("narrow");
        var session = await gateway.OpenSessionAsync("narrow", token);
        var reachedBefore = gateway.Upstream.CallsTo("slow_ok");

        var slow = Enumerable.Range(0, 2).Select(async i =>
        {
            using var response = await gateway.PostAsync("narrow", Call(40 + i, "slow_ok", """{"delay_ms":1000}"""), token, session, Cancel);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Cancel));
        }).ToList();
        await gateway.Upstream.WaitForCallsAsync("slow_ok", reachedBefore + 2, Cancel);
        var clock = Stopwatch.StartNew();
        using var busy = await gateway.PostAsync("narrow", Call(42, "slow_ok", """{"delay_ms":0}"""), token, session, Cancel);
        var busyBody = await busy.Content.ReadAsStringAsync(Cancel);
        var busyTime = clock.Elapsed;
        var slowPending = slow.Count(s => !s.IsCompleted);
        var finished = await Task.WhenAll(slow);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal(ErrorJson(42, -32003, "Upstream server 'narrow' has as many calls in flight as it may (max_concurrent_calls); try again shortly."), busyBody);
        Assert.Equal(2, slowPending);
        Assert.InRange(busyTime, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.All(finished, f => Assert.Equal(200, f.Item1));
        Assert.Equal(reachedBefore + 2, gateway.Upstream.CallsTo("slow_ok"));

        // The refused call never reached the server, so its reservation was given back: a third call fits the limit of 3, a fourth does not.
        using var third = await gateway.PostAsync("narrow", Call(43, "slow_ok", """{"delay_ms":0}"""), token, session, Cancel);
        using var fourth = await gateway.PostAsync("narrow", Call(44, "slow_ok", """{"delay_ms":0}"""), token, session, Cancel);
        Assert.Contains("\"text\":\"ok\"", await third.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using (var denial = JsonDocument.Parse(await fourth.Content.ReadAsStringAsync(Cancel)))
        {
            Assert.StartsWith("[POLICY DENIED] Rate limit 'slow' reached",
                denial.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        }


        var records = await gateway.CallRecordsAsync(grant);
        // Recorded as each call ended: the refused one first, while the slow ones still ran.
        Assert.Equal(
            [AuditDecisions.UpstreamError, AuditDecisions.Allow, AuditDecisions.Allow, AuditDecisions.Allow, AuditDecisions.Deny],
            records.Select(r => r.Decision));
        var refused = Assert.Single(records, r => r.Decision == AuditDecisions.UpstreamError);
        Assert.Contains("2 calls in flight", refused.Reason, StringComparison.Ordinal);
        Assert.Null(refused.UpstreamStatus);
    }

    [Fact]
    public async Task Circuit_OpensAfterRepeatedFailures_RefusesFastWithoutReachingTheServer_AndClosesOnceItRecovers()
    {
        var (token, grant) = gateway.NewGrant("fragile", "faulty");
        var session = await gateway.OpenSessionAsync("fragile", token);
        var faultySession = await gateway.OpenSessionAsync("faulty", token);
        gateway.Upstream.FlakyFails = true;
        var reachedBefore = gateway.Upstream.CallsTo("flaky");

        // Failures until the breaker opens; with minimum_throughput 2 that takes at most two.
        var failures = 0;
        string refusal;
        while (true)
        {
            using var response = await gateway.PostAsync("fragile", Call(50 + failures, "flaky"), token, session, Cancel);
            var body = await response.Content.ReadAsStringAsync(Cancel);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refusal = body;
                break;
            }

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal(ErrorJson(50 + failures, -32003, "Upstream server 'fragile' could not be reached or answered badly."), body);
            Assert.InRange(++failures, 1, 2);
        }

        var reachedWhileClosed = gateway.Upstream.CallsTo("flaky");
        Assert.Equal(reachedBefore + failures, reachedWhileClosed);
        using (var error = JsonDocument.Parse(refusal))
        {
            Assert.Equal(-32003, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Matches(@"^Upstream server 'fragile' has been failing; the gateway stops sending to it for a while \(.+\)\.$",
                error.RootElement.GetProperty("error").GetProperty("message").GetString());
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.PostAsync("fragile", Call(60 + i, "flaky"), token, session, Cancel);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("has been failing", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        // Fast, and not one of them reached the server.
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, UpstreamFaultFixture.BreakDuration);
        Assert.Equal(reachedWhileClosed, gateway.Upstream.CallsTo("flaky"));
        // The breaker belongs to the server entry: the same upstream behind another entry still answers.
        using (var other = await gateway.PostAsync("faulty", Call(70, "ok"), token, faultySession, Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        gateway.Upstream.FlakyFails = false;
        var recovered = await CallUntilAnsweredAsync(token, session);
        using (var next = await gateway.PostAsync("fragile", Call(99, "flaky"), token, session, Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }

        Assert.Contains("ok from flaky", recovered, StringComparison.Ordinal);
        Assert.Equal(reachedWhileClosed + 2, gateway.Upstream.CallsTo("flaky"));
        var records = await gateway.CallRecordsAsync(grant);
        var open = records.Where(r => r.Tool == "flaky" && r.Reason?.Contains("circuit open", StringComparison.Ordinal) == true).ToList();
        Assert.True(open.Count >= 4, $"Expected every refusal while open to be recorded as such; records: {string.Join(" | ", records.Select(r => r.Reason))}");
        Assert.All(open, r => Assert.Equal((AuditDecisions.UpstreamError, (int?)null), (r.Decision, r.UpstreamStatus)));
        Assert.Equal(failures, records.Count(r => r.Tool == "flaky" && r.Reason == "upstream failed: HTTP 500"));
    }

    /// <summary>Calls <c>flaky</c> on <c>fragile</c> until the breaker lets one through (after its break), returning that answer.</summary>
    private async Task<string> CallUntilAnsweredAsync(string token, string session)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await gateway.PostAsync("fragile", Call(80, "flaky"), token, session, Cancel);
            var body = await response.Content.ReadAsStringAsync(Cancel);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || deadline.Elapsed > UpstreamFaultFixture.BreakDuration * 10)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return body;
            }

            await Task.Delay(UpstreamFaultFixture.BreakDuration / 5, Cancel);
        }
    }

    private static void AssertOneUpstreamError(IReadOnlyList<AuditRecord> records, string tool, string reason)
    {
        var record = Assert.Single(records, r => r.Tool == tool);
        Assert.Equal(AuditDecisions.UpstreamError, record.Decision);
        Assert.StartsWith("upstream failed: ", record.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, record.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal.Secret", record.Reason, StringComparison.Ordinal);
    }

    private static string ErrorJson(int id, int code, string message) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, error = new { code, message } });

    /// <summary>The data of each event in an SSE body that has any.</summary>
    private static List<string> DataOf(string body) =>
        [.. body.Split("\n\n").Select(e => string.Join('\n', e.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart())))
            .Where(d => d.Length > 0)];
}
