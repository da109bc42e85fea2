using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Calls;

/// <summary>
/// The life of one tool call through the gate and its ticket, the same for both fronts: what is
/// recorded when, what is reserved and given back, and how a held call ends.
/// </summary>
public sealed class ToolCallLifecycleTests
{
    private const string Policy = """
        {
          "version": "1",
          "default": "allow",
          "hide": ["secret_*"],
          "tools": {
            "echo": { "limits": [{ "counter": "echo", "window": "hour", "max": 1, "scope": "grant" }] },
            "deploy": {
              "action": "require_approval",
              "reason": "Deploys need a look.",
              "limits": [{ "counter": "deploy", "window": "hour", "max": 1, "scope": "grant" }],
              "approval": { "timeout": 60, "remember": "5m" }
            },
            "strict": { "validate_args": true }
          }
        }
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ForwardedCall_IsRecordedOnce_WhenItsTicketEnds_WithTheUpstreamsAnswer()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("echo", """{"text":"hi"}""");

        Assert.Equal(ToolCallOutcome.Forward, ticket.Outcome);
        Assert.Empty(await harness.RecordsAsync());

        ticket.Upstream.Start();
        ticket.Upstream.Answered(200);
        ticket.Upstream.Stop();
        await ticket.DisposeAsync();
        await ticket.DisposeAsync();

        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal(AuditDecisions.Allow, record.Decision);
        Assert.Equal(200, record.UpstreamStatus);
        Assert.Equal("echo", record.Tool);
        Assert.Equal(3, record.PolicyVersion);
        Assert.Equal(ToolCallOutcome.Deny, (await harness.CallAsync("echo")).Outcome);
    }

    [Fact]
    public async Task TicketEndedBeforeSending_GivesItsReservationsBack_AndSaysTheClientWentAway()
    {
        await using var harness = new GateHarness(Policy);

        await (await harness.CallAsync("echo")).DisposeAsync();

        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal(AuditDecisions.Deny, record.Decision);
        Assert.Equal("The client went away before the call was forwarded.", record.Reason);
        Assert.Equal(ToolCallOutcome.Forward, (await harness.CallAsync("echo")).Outcome);
    }

    [Fact]
    public async Task UpstreamThatCannotHaveRunTheCall_GivesTheReservationBack_AndIsRecordedAsUpstreamError()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("echo");

        ticket.Upstream.Start();
        ticket.Upstream.Failed(new UpstreamFailure(UpstreamFault.Unreachable, "connection refused"));
        ticket.Upstream.Stop();
        await ticket.DisposeAsync();

        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal(AuditDecisions.UpstreamError, record.Decision);
        Assert.Equal("upstream failed: connection refused", record.Reason);
        Assert.Equal(ToolCallOutcome.Forward, (await harness.CallAsync("echo")).Outcome);
    }

    [Fact]
    public async Task UpstreamThatMayHaveRunTheCall_KeepsTheReservation()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("echo");

        ticket.Upstream.Start();
        ticket.Upstream.Failed(new UpstreamFailure(UpstreamFault.TimedOut, "30 s") { MayHaveRun = true });
        await ticket.DisposeAsync();

        Assert.Equal(ToolCallOutcome.Deny, (await harness.CallAsync("echo")).Outcome);
    }

    [Fact]
    public async Task DeniedCall_IsRecordedAtAdmission_AndItsTicketRecordsNothingMore()
    {
        await using var harness = new GateHarness(Policy);
        await using (var first = await harness.CallAsync("echo"))
        {
            first.Upstream.Start();
            first.Upstream.Answered(200);
        }

        var denied = await harness.CallAsync("echo");
        Assert.Equal(ToolCallOutcome.Deny, denied.Outcome);
        Assert.Contains("limit", denied.Denial!.Value.Reason, StringComparison.OrdinalIgnoreCase);
        await denied.DisposeAsync();

        var records = await harness.RecordsAsync();
        Assert.Equal([AuditDecisions.Allow, AuditDecisions.Deny], records.Select(r => r.Decision));
    }

    [Fact]
    public async Task HiddenTool_UnderDefaultAllow_IsAnUnknownToolError_RecordedAsADenial_NotARefusal()
    {
        await using var harness = new GateHarness(Policy);

        var ticket = await harness.CallAsync("secret_keys");

        Assert.Equal(ToolCallOutcome.Error, ticket.Outcome);
        Assert.Equal("Unknown tool: secret_keys", ticket.Error!.Message);
        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal(AuditKinds.Call, record.Kind);
        Assert.Equal(AuditDecisions.Deny, record.Decision);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}""", "tools/call needs params.name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}""", "tools/call needs params.name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":[1]}}""", "params.arguments must be a JSON object")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo"}}""", "must be a request with an id")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}}""", "sampling/createMessage")]
    public async Task MalformedOrForbiddenMessages_AreRefused_WithTheRefusalRecorded(string json, string message)
    {
        await using var harness = new GateHarness(Policy);

        var ticket = await harness.AdmitAsync(json);

        Assert.Equal(ToolCallOutcome.Error, ticket.Outcome);
        Assert.Contains(message, ticket.Error!.Message, StringComparison.Ordinal);
        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal(AuditKinds.Refusal, record.Kind);
        Assert.Equal("client:127.0.0.1", record.Target);
    }

    [Fact]
    public async Task NoPolicyLoaded_IsRefusedWith503_TheSameForEveryFront()
    {
        await using var harness = new GateHarness(Policy);

        var ticket = await harness.AdmitAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", noPolicy: true);

        Assert.Equal(ToolCallOutcome.Error, ticket.Outcome);
        Assert.Equal((503, -32603, "No policy is loaded for server 'docs'."), (ticket.Error!.StatusCode, ticket.Error.Code, ticket.Error.Message));
        var record = Assert.Single(await harness.RecordsAsync());
        Assert.Equal("no_policy", record.Action);
    }

    [Fact]
    public async Task ToolsList_GetsAFilterForItsAnswer_AndRecordsNothing()
    {
        await using var harness = new GateHarness(Policy);

        await using var ticket = await harness.AdmitAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");

        Assert.Equal(ToolCallOutcome.Forward, ticket.Outcome);
        Assert.NotNull(ticket.ListRewriter);
        Assert.Empty(await harness.RecordsAsync());
    }

    [Fact]
    public async Task TheDecisionAsksForToolDefinitions_OnlyWhenItValidatesArgumentsOrChecksPins()
    {
        await using var harness = new GateHarness(Policy);
        harness.Tools.Set("""[{"name":"strict","inputSchema":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}}]""");

        await using (await harness.CallAsync("echo"))
        {
        }

        Assert.Equal(0, harness.Tools.Asked);
        var invalid = await harness.CallAsync("strict", """{"n":"seven"}""");
        Assert.Equal(ToolCallOutcome.Deny, invalid.Outcome);
        Assert.Equal(1, harness.Tools.Asked);

        await using var pinned = new GateHarness(Policy) { Server = new UpstreamServerConfig { Id = "docs", Url = new Uri("http://127.0.0.1:1/mcp"), Pinning = PinningMode.Strict } };
        var unlisted = await pinned.CallAsync("echo");
        Assert.Equal(ToolCallOutcome.Deny, unlisted.Outcome);
        Assert.Equal(ToolPins.RuleId, unlisted.Denial!.Value.RuleId);
        Assert.Equal(1, pinned.Tools.Asked);
    }

    [Fact]
    public async Task HeldCall_Approved_IsForwarded_WithTheApproversNameInItsRecord()
    {
        await using var harness = new GateHarness(Policy, heartbeat: TimeSpan.FromMilliseconds(50));
        var ticket = await harness.CallAsync("deploy", """{"env":"prod"}""");
        Assert.Equal(ToolCallOutcome.Hold, ticket.Outcome);
        var beats = new List<int>();
        int BeatCount()
        {
            lock (beats)
            {
                return beats.Count;
            }
        }

        var waiting = ticket.WaitForApprovalAsync(beat =>
        {
            lock (beats)
            {
                beats.Add(beat);
            }

            return Task.CompletedTask;
        }, Cancel);
        // Decided once two heartbeats have gone out (however slowly the machine runs).
        for (var waited = 0; waited < 10_000 && BeatCount() < 3; waited += 20)
        {
            await Task.Delay(20, Cancel);
        }

        var (result, _) = await harness.Approvals.DecideAsync(ticket.Hold!.Id, approve: true, "ops", "looks fine", Cancel);
        await waiting;

        Assert.Equal(DecisionResult.Decided, result);
        Assert.Equal(ToolCallOutcome.Forward, ticket.Outcome);
        lock (beats)
        {
            Assert.Equal(0, beats[0]);
            Assert.Equal([0, 1, 2], beats.Take(3));
        }

        ticket.Upstream.Start();
        ticket.Upstream.Answered(200);
        await ticket.DisposeAsync();
        var calls = (await harness.RecordsAsync()).Where(r => r.Kind == AuditKinds.Call).ToList();
        Assert.Equal([AuditDecisions.ApprovalRequested, AuditDecisions.Allow], calls.Select(r => r.Decision));
        Assert.Equal("approved by ops: looks fine", calls[1].Reason);
    }

    [Fact]
    public async Task HeldCall_WhoseClientGoesAway_IsWithdrawn_Denied_AndItsReservationGivenBack()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("deploy");
        using var clientGone = new CancellationTokenSource();

        var waiting = ticket.WaitForApprovalAsync(_ => Task.CompletedTask, clientGone.Token);
        await clientGone.CancelAsync();
        await waiting;
        await ticket.DisposeAsync();

        Assert.Equal(ToolCallOutcome.Deny, ticket.Outcome);
        Assert.StartsWith("Approval withdrawn", ticket.Denial!.Value.Reason, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Withdrawn, (await harness.Approvals.Store.GetAsync(ticket.Hold?.Id ?? PendingId(await harness.RecordsAsync()), Cancel))!.Status);
        var calls = (await harness.RecordsAsync()).Where(r => r.Kind == AuditKinds.Call).Select(r => r.Decision);
        Assert.Equal([AuditDecisions.ApprovalRequested, AuditDecisions.Deny], calls);
        Assert.Equal(ToolCallOutcome.Hold, (await harness.CallAsync("deploy", id: 2)).Outcome);
    }

    [Fact]
    public async Task HeldCall_WhoseKeepAliveFails_IsWithdrawn()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("deploy");

        await ticket.WaitForApprovalAsync(_ => throw new IOException("the client closed the connection"), Cancel);

        Assert.Equal(ToolCallOutcome.Deny, ticket.Outcome);
        Assert.StartsWith("Approval withdrawn", ticket.Denial!.Value.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeldCall_NobodyWaitedFor_IsWithdrawnWhenItsTicketEnds()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("deploy");
        var id = ticket.Hold!.Id;

        await ticket.DisposeAsync();

        Assert.Equal(ApprovalStatus.Withdrawn, (await harness.Approvals.Store.GetAsync(id, Cancel))!.Status);
        var calls = (await harness.RecordsAsync()).Where(r => r.Kind == AuditKinds.Call).Select(r => r.Decision);
        Assert.Equal([AuditDecisions.ApprovalRequested, AuditDecisions.Deny], calls);
    }

    [Fact]
    public async Task CancelledNotification_WithdrawsTheHeldCallOfThatSessionOnly()
    {
        await using var harness = new GateHarness(Policy);
        var ticket = await harness.CallAsync("deploy", id: 7, session: "pcs_a");
        var waiting = ticket.WaitForApprovalAsync(_ => Task.CompletedTask, Cancel);

        await using (await harness.AdmitAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}""", session: "pcs_b"))
        {
        }

        await Task.Delay(100, Cancel);
        Assert.False(waiting.IsCompleted);
        await using (await harness.AdmitAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}""", session: "pcs_a"))
        {
        }

        await waiting;
        Assert.Equal(ToolCallOutcome.Deny, ticket.Outcome);
    }

    [Fact]
    public async Task RememberedApproval_LetsTheIdenticalCallThrough_AndItsRecordSaysWhy()
    {
        await using var harness = new GateHarness(Policy.Replace("\"max\": 1, \"scope\": \"grant\" }],\n      \"approval\"", "\"max\": 9, \"scope\": \"grant\" }],\n      \"approval\"",
            StringComparison.Ordinal));
        var first = await harness.CallAsync("deploy", """{"env":"prod"}""");
        var waiting = first.WaitForApprovalAsync(_ => Task.CompletedTask, Cancel);
        await harness.Approvals.DecideAsync(first.Hold!.Id, approve: true, "ops", null, Cancel);
        await waiting;
        first.Upstream.Start();
        first.Upstream.Answered(200);
        await first.DisposeAsync();

        var repeat = await harness.CallAsync("deploy", """{"env":"prod"}""", id: 2);
        repeat.Upstream.Start();
        repeat.Upstream.Answered(200);
        await repeat.DisposeAsync();

        Assert.Equal(ToolCallOutcome.Forward, repeat.Outcome);
        var last = (await harness.RecordsAsync())[^1];
        Assert.Equal(AuditDecisions.Allow, last.Decision);
        Assert.StartsWith("approved by ops (apr_", last.Reason, StringComparison.Ordinal);
        Assert.EndsWith("identical calls are let through for 300 s", last.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallNeedingApproval_WhereNobodyCouldApprove_IsDenied_AndNothingIsHeld()
    {
        await using var harness = new GateHarness(Policy, canHold: false);

        var ticket = await harness.CallAsync("deploy");

        Assert.Equal(ToolCallOutcome.Deny, ticket.Outcome);
        Assert.Contains("Nobody could approve it here", ticket.Denial!.Value.Reason, StringComparison.Ordinal);
        Assert.Equal(ToolCallOutcome.Deny, (await harness.CallAsync("deploy", id: 2)).Outcome);
    }

    private static string PendingId(IReadOnlyList<AuditRecord> records) =>
        records.First(r => r.Decision == AuditDecisions.ApprovalRequested).Reason!.Split("Held as ")[1].Split(' ')[0];
}
