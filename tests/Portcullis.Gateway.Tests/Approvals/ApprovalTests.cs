using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Tests.Distributed;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;

namespace Portcullis.Gateway.Tests.Approvals;

/// <summary>Calls held for a person, on a gateway of the test's own, decided through the admin API.</summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    public const string Policy = """
        {
          "version": "1",
          "default": "deny",
          "tools": {
            "code_generate": {
              "action": "require_approval",
              "reason": "Generated code needs a look.",
              "limits": [{ "counter": "generate", "window": "day", "max": 5, "scope": "grant" }],
              "approval": { "timeout": 30, "remember": "5m" }
            },
            "review_code": { "approval": { "timeout": 1 } },
            "describe_codebase": { "approval": { "timeout": 1, "on_timeout": "allow" } }
          }
        }
        """;

    private GatewayCluster _cluster = null!;
    private readonly HttpClient _http = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cluster = await GatewayCluster.StartAsync(StoreConfig.Memory, instances: 1, policy: Policy);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _cluster.DisposeAsync();
    }

    internal static string Call(string tool, string arguments, int id = 7, string? progressToken = null) =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{"name":"{{tool}}","arguments":{{arguments}}""" +
        (progressToken is null ? "" : $$""","_meta":{"progressToken":"{{progressToken}}"}""") + "}}";

    [Fact]
    public async Task Approved_TheHeldCallIsForwarded_AndEveryStepIsAudited()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"add two numbers"}""", progressToken: "p1"), session);

        var approval = await PendingAsync(_http, _cluster, 0);
        Assert.Equal(("agent", "code_generate", "/tools/code_generate/action"), (approval.GetProperty("grant").GetString(), approval.GetProperty("tool").GetString(),
            approval.GetProperty("rule_id").GetString()));
        await Task.Delay(500, Cancel);
        Assert.False(held.IsCompleted);
        using var decided = await DecideAsync(_http, _cluster, 0, approval.GetProperty("id").GetString()!, "approve", GatewayCluster.ApproverToken, "looks fine");
        var answer = await held;

        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.StartsWith(": held for approval apr_", answer, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"notifications/progress\"", answer, StringComparison.Ordinal);
        Assert.Contains("[demo:", answer, StringComparison.Ordinal);
        Assert.Equal(1, _cluster.Upstream.ToolCallsServed);
        await _cluster.Audit(0).FlushAsync(Cancel);
        var records = (await _cluster.State(0).Audit.QueryAsync(new AuditQuery { Tool = "code_generate" }, Cancel)).Reverse().ToList();
        Assert.Equal(["approval_requested", "approval.approved", "allow"], records.Select(r => r.Decision ?? r.Action));
        Assert.Equal("approved by reviewer: looks fine", records[2].Reason);
        Assert.Equal("reviewer", records[1].Actor);
    }

    [Fact]
    public async Task Denied_TheClientGetsTheApproversReason_AndTheLimitIsGivenBack()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"rm -rf"}"""), session);
        var approval = await PendingAsync(_http, _cluster, 0);

        using var decided = await DecideAsync(_http, _cluster, 0, approval.GetProperty("id").GetString()!, "deny", GatewayCluster.AdminToken, "not now");
        var answer = await held;

        Assert.Contains("[POLICY DENIED] Denied by ops: not now", answer, StringComparison.Ordinal);
        Assert.Equal(0, _cluster.Upstream.ToolCallsServed);
        using var again = await DecideAsync(_http, _cluster, 0, approval.GetProperty("id").GetString()!, "approve", GatewayCluster.AdminToken, null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        // The denied call's reservation was rolled back: five more calls fit under the limit of five.
        var counters = _cluster.State(0).Counters;
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 86400 * 86400);
        var reservation = await counters.TryReserveAsync("srv:codex|grant:agent|counter:generate", start, start.AddDays(1), 5, 5, Cancel);
        Assert.Equal(CounterReservationOutcome.Acquired, reservation.Outcome);
    }

    [Fact]
    public async Task TimedOut_DeniesByDefault_OrForwardsWhenOnTimeoutAllows()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));

        var denied = await SendAsync(_cluster.McpUrl(0), Call("review_code", """{"code":"x"}"""), session);
        var allowed = await SendAsync(_cluster.McpUrl(0), Call("describe_codebase", """{"subject":"."}"""), session);

        Assert.Contains("[POLICY DENIED] Approval timed out: nobody decided within 1 s.", denied, StringComparison.Ordinal);
        Assert.Contains("[demo:", allowed, StringComparison.Ordinal);
        Assert.Equal(1, _cluster.Upstream.ToolCallsServed);
        var statuses = (await _cluster.State(0).Approvals.ListAsync(null, 10, Cancel)).Select(a => a.Status);
        Assert.Equal([ApprovalStatus.TimedOut, ApprovalStatus.TimedOut], statuses);
    }

    [Fact]
    public async Task TheClientGoingAway_OrCancelling_WithdrawsTheApproval()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        using (var abort = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"a"}"""), session, cancellationToken: abort.Token);
            await PendingAsync(_http, _cluster, 0);
            await abort.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        }

        Assert.True(await WaitUntilAsync(() => Statuses().Contains(ApprovalStatus.Withdrawn), TimeSpan.FromSeconds(20)));

        var second = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"b"}""", id: 42), session);
        await PendingAsync(_http, _cluster, 0);
        using (var cancelled = await PostAsync(_http, _cluster.McpUrl(0), """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}}""", session))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        Assert.Contains("Approval withdrawn", await second, StringComparison.Ordinal);
        Assert.Equal([ApprovalStatus.Withdrawn, ApprovalStatus.Withdrawn], Statuses());
        Assert.Equal(0, _cluster.Upstream.ToolCallsServed);

        List<string> Statuses() => [.. _cluster.State(0).Approvals.ListAsync(null, 10, Cancel).AsTask().GetAwaiter().GetResult().Select(a => a.Status)];
    }

    [Fact]
    public async Task Remember_LetsIdenticalCallsThrough_ButNotOthers()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        var first = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"same","language":"go"}"""), session);
        var approval = await PendingAsync(_http, _cluster, 0);
        (await DecideAsync(_http, _cluster, 0, approval.GetProperty("id").GetString()!, "approve", GatewayCluster.AdminToken, null)).Dispose();
        Assert.Contains("[demo:", await first, StringComparison.Ordinal);

        var repeat = await SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"language":"go","description":"same"}"""), session);
        var different = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"other","language":"go"}"""), session);

        Assert.Contains("[demo:", repeat, StringComparison.Ordinal);
        Assert.Equal(2, _cluster.Upstream.ToolCallsServed);
        var pending = await PendingAsync(_http, _cluster, 0);
        Assert.NotEqual(approval.GetProperty("id").GetString(), pending.GetProperty("id").GetString());
        (await DecideAsync(_http, _cluster, 0, pending.GetProperty("id").GetString()!, "deny", GatewayCluster.AdminToken, null)).Dispose();
        Assert.Contains("[POLICY DENIED]", await different, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovingOnesOwnCall_IsRefused_AndGrantTokensCannotDecide()
    {
        var reviewerToken = Portcullis.Gateway.Grants.GrantRegistry.NewToken();
        _cluster.Grants(0).Add("reviewer", reviewerToken, ["codex"]);
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0), reviewerToken);
        var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"mine"}"""), session, token: reviewerToken);
        var id = (await PendingAsync(_http, _cluster, 0)).GetProperty("id").GetString()!;

        using var self = await DecideAsync(_http, _cluster, 0, id, "approve", GatewayCluster.ApproverToken, null);
        using var withGrant = await DecideAsync(_http, _cluster, 0, id, "approve", reviewerToken, null);
        using var unknown = await DecideAsync(_http, _cluster, 0, "apr_0000", "approve", GatewayCluster.AdminToken, null);

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("cannot decide its own approval", await self.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, withGrant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        (await DecideAsync(_http, _cluster, 0, id, "deny", GatewayCluster.AdminToken, "self-service")).Dispose();
        Assert.Contains("Denied by ops: self-service", await held, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetApproval_UnderAuditArgsKeys_ShowsTheValuesRedacted_WhileTheAuditKeepsTheNames()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"mail ops@example.com the sum","password":"hunter2-secret"}"""), session);
        var id = (await PendingAsync(_http, _cluster, 0)).GetProperty("id").GetString()!;

        using var shown = await GetAdminJsonAsync(_cluster, $"approvals/{id}");
        (await DecideAsync(_http, _cluster, 0, id, "deny", GatewayCluster.AdminToken, null)).Dispose();
        await held;

        var arguments = shown.RootElement.GetProperty("arguments");
        Assert.Equal("mail [REDACTED:email] the sum", arguments.GetProperty("description").GetString());
        Assert.Equal("[REDACTED:secret_field]", arguments.GetProperty("password").GetString());
        Assert.DoesNotContain("hunter2", shown.RootElement.GetRawText(), StringComparison.Ordinal);
        await _cluster.Audit(0).FlushAsync(Cancel);
        var requested = (await _cluster.State(0).Audit.QueryAsync(new AuditQuery { Decision = "approval_requested" }, Cancel)).Single();
        Assert.Equal("""["description","password"]""", requested.Arguments);
    }

    [Fact]
    public async Task GetApproval_UnderAuditArgsFull_ShowsTheValuesAsSent()
    {
        await using var cluster = await GatewayCluster.StartAsync(StoreConfig.Memory, instances: 1,
            policy: Policy.Replace("\"default\": \"deny\",", "\"default\": \"deny\", \"audit_args\": \"full\",", StringComparison.Ordinal));
        var session = await OpenSessionAsync(_http, cluster.McpUrl(0));
        var held = SendAsync(cluster.McpUrl(0), Call("code_generate", """{"description":"mail ops@example.com"}"""), session);
        var id = (await PendingAsync(_http, cluster, 0)).GetProperty("id").GetString()!;

        using var shown = await GetAdminJsonAsync(cluster, $"approvals/{id}");
        (await DecideAsync(_http, cluster, 0, id, "deny", GatewayCluster.AdminToken, null)).Dispose();
        await held;

        Assert.Equal("mail ops@example.com", shown.RootElement.GetProperty("arguments").GetProperty("description").GetString());
    }

    [Fact]
    public async Task GetAndListApprovals_Arguments_AreJsonLikeTheAuditApisArgs()
    {
        var session = await OpenSessionAsync(_http, _cluster.McpUrl(0));
        var held = SendAsync(_cluster.McpUrl(0), Call("code_generate", """{"description":"add","language":"go"}"""), session);
        var listed = await PendingAsync(_http, _cluster, 0);
        var id = listed.GetProperty("id").GetString()!;

        using var shown = await GetAdminJsonAsync(_cluster, $"approvals/{id}");
        (await DecideAsync(_http, _cluster, 0, id, "deny", GatewayCluster.AdminToken, null)).Dispose();
        await held;
        await _cluster.Audit(0).FlushAsync(Cancel);
        using var audit = await GetAdminJsonAsync(_cluster, "audit?decision=approval_requested");

        Assert.Equal(JsonValueKind.Object, listed.GetProperty("arguments").ValueKind);
        Assert.Equal(JsonValueKind.Object, shown.RootElement.GetProperty("arguments").ValueKind);
        Assert.Equal("go", shown.RootElement.GetProperty("arguments").GetProperty("language").GetString());
        Assert.Equal(JsonValueKind.Array, audit.RootElement.GetProperty("records")[0].GetProperty("args").ValueKind);
    }

    private async Task<JsonDocument> GetAdminJsonAsync(GatewayCluster cluster, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, cluster.AdminUrl(0, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayCluster.AdminToken);
        using var response = await _http.SendAsync(request, Cancel);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
    }

    /// <summary>Posts a call and reads the whole answer (an event stream for held calls).</summary>
    private async Task<string> SendAsync(Uri url, string body, string session, string token = GatewayCluster.Token, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Mcp-Session-Id", session);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken == default ? Cancel : cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken == default ? Cancel : cancellationToken);
    }

    /// <summary>Waits for the newest pending approval and returns it as the admin API shows it.</summary>
    internal static async Task<JsonElement> PendingAsync(HttpClient http, GatewayCluster cluster, int instance)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, cluster.AdminUrl(instance, "approvals?status=pending"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayCluster.AdminToken);
            using var response = await http.SendAsync(request, Cancel);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
            var approvals = body.RootElement.GetProperty("approvals");
            if (approvals.GetArrayLength() > 0)
            {
                return approvals[0].Clone();
            }

            await Task.Delay(25, Cancel);
        }

        throw new TimeoutException("No approval became pending.");
    }

    internal static async Task<HttpResponseMessage> DecideAsync(HttpClient http, GatewayCluster cluster, int instance, string id, string decision, string token,
        string? comment)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, cluster.AdminUrl(instance, $"approvals/{id}/{decision}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (comment is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(new { comment }), Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request, Cancel);
    }
}
