using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Gateway.Tests.Distributed;
using Portcullis.TestServers;
using static Portcullis.Gateway.Tests.Approvals.ApprovalTests;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;

namespace Portcullis.Gateway.Tests.Approvals;

public sealed class ApprovalWebhookAndClusterTests(RedisServer redis, PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheWebhook_ReceivesThePendingApproval_SignedWithTheSecret()
    {
        const string Secret = "webhook-secret-for-tests-0123456789";
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_WEBHOOK_SECRET", Secret);
        var received = new TaskCompletionSource<(string Body, string Timestamp, string Signature)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = LoopbackApp.Create();
        receiver.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            received.TrySetResult((await reader.ReadToEndAsync(), context.Request.Headers[ApprovalWebhookSender.TimestampHeader].ToString(),
                context.Request.Headers[ApprovalWebhookSender.SignatureHeader].ToString()));
            return Results.Ok();
        });
        await receiver.StartAsync(Cancel);
        var policy = """{"version": "1", "default": "deny", "tools": {"code_generate": {"action": "require_approval", "approval": {"timeout": 30, "webhook": {"url": """
            + "\"" + receiver.ListeningAddress() + "/hook\"" + """, "secret": "env:PORTCULLIS_TEST_WEBHOOK_SECRET", "allow_private": true}}}}}""";
        await using var cluster = await GatewayCluster.StartAsync(StoreConfig.Memory, instances: 1, policy: policy);
        using var http = new HttpClient();
        var session = await OpenSessionAsync(http, cluster.McpUrl(0));
        var held = PostAsync(http, cluster.McpUrl(0), Call("code_generate", """{"description":"x"}"""), session);

        var (body, timestamp, signature) = await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        var pending = await PendingAsync(http, cluster, 0);

        Assert.Equal("sha256=" + ApprovalWebhookSender.Sign(Secret, timestamp, body), signature);
        Assert.NotEqual("sha256=" + ApprovalWebhookSender.Sign("another secret", timestamp, body), signature);
        Assert.Contains($"\"id\":\"{pending.GetProperty("id").GetString()}\"", body, StringComparison.Ordinal);
        Assert.Contains("\"tool\":\"code_generate\"", body, StringComparison.Ordinal);
        Assert.InRange(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        (await DecideAsync(http, cluster, 0, pending.GetProperty("id").GetString()!, "approve", GatewayCluster.AdminToken, null)).Dispose();
        using var answer = await held;
        Assert.Contains("[demo:", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoopbackWebhookWithoutAllowPrivate_IsNotDelivered_AndTheCallIsStillHeldAndDecided()
    {
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_WEBHOOK_SECRET", "webhook-secret-for-tests-0123456789");
        using var receiver = new TcpListener(IPAddress.Loopback, 0);
        receiver.Start();
        var port = ((IPEndPoint)receiver.LocalEndpoint).Port;
        var policy = """{"version": "1", "default": "deny", "tools": {"code_generate": {"action": "require_approval", "approval": {"timeout": 30, "webhook": {"url": """
            + $"\"https://localhost:{port}/hook\"" + """, "secret": "env:PORTCULLIS_TEST_WEBHOOK_SECRET"}}}}}""";
        await using var cluster = await GatewayCluster.StartAsync(StoreConfig.Memory, instances: 1, policy: policy);
        using var http = new HttpClient();
        var session = await OpenSessionAsync(http, cluster.McpUrl(0));
        var held = PostAsync(http, cluster.McpUrl(0), Call("code_generate", """{"description":"x"}"""), session);

        var pending = await PendingAsync(http, cluster, 0);
        Assert.False(held.IsCompleted);
        (await DecideAsync(http, cluster, 0, pending.GetProperty("id").GetString()!, "approve", GatewayCluster.AdminToken, null)).Dispose();
        using var answer = await held;

        Assert.Contains("[demo:", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.False(receiver.Pending(), "The gateway connected to a loopback webhook the policy did not allow.");
    }

    [Fact]
    public async Task ACallHeldOnInstanceA_IsReleasedByADecisionOnInstanceB_AndPendingApprovalsSurviveBsRestart()
    {
        redis.Require();
        postgres.Require();
        // Its own Redis database, so its counters do not share keys with other tests on this Redis.
        var store = new StoreConfig { RedisUrl = redis.Url + "/3", PostgresUrl = await postgres.CreateDatabaseAsync() };
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 2, policy: ApprovalTests.Policy);
        using var http = new HttpClient();
        var session = await OpenSessionAsync(http, cluster.McpUrl(0));
        var held = PostAsync(http, cluster.McpUrl(0), Call("code_generate", """{"description":"x"}"""), session);
        var id = (await PendingAsync(http, cluster, 1)).GetProperty("id").GetString()!;

        // B restarts while the call waits on A: the approval is in PostgreSQL, so the new B sees and decides it.
        await cluster.StopInstanceAsync(1);
        await cluster.StartInstanceAsync(store, policy: ApprovalTests.Policy, policyFile: 1);
        Assert.Equal(id, (await PendingAsync(http, cluster, 2)).GetProperty("id").GetString());
        var clock = Stopwatch.StartNew();
        using (var decided = await DecideAsync(http, cluster, 2, id, "approve", GatewayCluster.AdminToken, "from B"))
        {
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        }

        using var answer = await held;
        var released = clock.Elapsed;
        Assert.Contains("[demo:", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.True(released < TimeSpan.FromSeconds(1), $"Release took {released.TotalMilliseconds:F0} ms.");
    }
}
