using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Hosting;
using Portcullis.Policy.Documents;
using Portcullis.Storage.Approvals;

namespace Portcullis.Gateway.Tests.Approvals;

/// <summary>Where an approval webhook may be sent: public https targets, private ones only when the policy allows, never by redirect.</summary>
public sealed class ApprovalWebhookSenderTests
{
    private static readonly ApprovalRequest s_request = new()
    {
        Id = "apr_test",
        Grant = "agent",
        Server = "codex",
        Tool = "code_generate",
        ArgumentsHash = "hash",
        RuleId = "/tools/code_generate/action",
        Reason = "Generated code needs a look.",
        RequestedAt = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 11, 25, 12, 10, 0, TimeSpan.Zero),
    };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("https://localhost:{port}/hook")]
    [InlineData("https://127.0.0.1:{port}/hook")]
    [InlineData("https://[::1]:{port}/hook")]
    [InlineData("https://[::ffff:127.0.0.1]:{port}/hook")]
    [InlineData("http://localhost:{port}/hook")]
    public async Task SendAsync_LoopbackWithoutAllowPrivate_NeverConnects(string url)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Dns.GetHostAddressesAsync);

        await sender.SendAsync(Webhook(url.Replace("{port}", Port(listener), StringComparison.Ordinal), allowPrivate: false), s_request, Cancel);

        Assert.False(listener.Pending());
        var line = Assert.Single(logger.Messages);
        Assert.Contains("was not sent", line, StringComparison.Ordinal);
        Assert.Contains(url.StartsWith("http:", StringComparison.Ordinal) ? "it uses http" : "a loopback address", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("169.254.169.254", "a link-local address")]
    [InlineData("10.0.0.7", "a private address")]
    [InlineData("100.64.1.1", "a carrier-grade NAT address")]
    [InlineData("::ffff:127.0.0.1", "a loopback address")]
    public async Task SendAsync_HostResolvingToANonPublicAddress_IsNotSent(string address, string kind)
    {
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Resolve(IPAddress.Parse("93.184.215.14"), IPAddress.Parse(address)));

        await sender.SendAsync(Webhook("https://hooks.test/p", allowPrivate: false), s_request, Cancel);

        var line = Assert.Single(logger.Messages);
        Assert.Contains($"hooks.test resolves to {IPAddress.Parse(address)}, {kind}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_HttpToAPublicAddress_IsNotSentEvenWithAllowPrivate()
    {
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Resolve(IPAddress.Parse("93.184.215.14")));

        await sender.SendAsync(Webhook("http://hooks.test/p", allowPrivate: true), s_request, Cancel);

        Assert.Contains("a public address, and the webhook uses http; use https", Assert.Single(logger.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ConnectsToTheAddressItChecked_NotToASecondLookup()
    {
        // approvals.test never resolves through real DNS: delivery proves the connection used the checked address.
        await using var receiver = await Receiver.StartAsync(_ => Results.Ok());
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Resolve(IPAddress.Loopback));

        await sender.SendAsync(Webhook($"http://approvals.test:{receiver.Port}/hook", allowPrivate: true), s_request, Cancel);

        Assert.Equal(1, receiver.Requests);
        Assert.Empty(logger.Messages);
    }

    [Fact]
    public async Task SendAsync_RedirectToAnotherReceiver_IsNotFollowed()
    {
        await using var second = await Receiver.StartAsync(_ => Results.Ok());
        await using var first = await Receiver.StartAsync(_ => Results.Redirect($"http://127.0.0.1:{second.Port}/hook", permanent: false, preserveMethod: true));
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Dns.GetHostAddressesAsync);

        await sender.SendAsync(Webhook($"http://127.0.0.1:{first.Port}/hook", allowPrivate: true), s_request, Cancel);

        Assert.Equal((1, 0), (first.Requests, second.Requests));
        Assert.Contains("HTTP 307; redirects are not followed", Assert.Single(logger.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Found302_IsAFailedDelivery()
    {
        await using var second = await Receiver.StartAsync(_ => Results.Ok());
        await using var first = await Receiver.StartAsync(_ => Results.Redirect($"http://127.0.0.1:{second.Port}/hook"));
        var logger = new CapturingLogger<ApprovalWebhookSender>();
        var sender = new ApprovalWebhookSender(TimeProvider.System, logger, Dns.GetHostAddressesAsync);

        await sender.SendAsync(Webhook($"http://127.0.0.1:{first.Port}/hook", allowPrivate: true), s_request, Cancel);

        Assert.Equal((1, 0), (first.Requests, second.Requests));
        Assert.Contains("failed: HTTP 302; redirects are not followed", Assert.Single(logger.Messages), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.test/p", new[] { "93.184.215.14" }, false, null)]
    [InlineData("https://hooks.test/p", new[] { "2606:4700::6810:84e5" }, false, null)]
    [InlineData("https://hooks.test/p", new[] { "93.184.215.14", "10.0.0.1" }, false, "hooks.test resolves to 10.0.0.1, a private address")]
    [InlineData("https://hooks.test/p", new[] { "fd00::1" }, false, "a unique-local address")]
    [InlineData("https://hooks.test/p", new[] { "::" }, false, "an unspecified address")]
    [InlineData("https://hooks.test/p", new[] { "224.0.0.1" }, false, "a multicast address")]
    [InlineData("https://hooks.test/p", new[] { "10.0.0.1" }, true, null)]
    [InlineData("https://hooks.test/p", new[] { "93.184.215.14", "10.0.0.1" }, true, null)]
    [InlineData("http://hooks.test/p", new[] { "10.0.0.1" }, true, null)]
    [InlineData("http://hooks.test/p", new[] { "10.0.0.1" }, false, "it uses http")]
    [InlineData("http://hooks.test/p", new[] { "10.0.0.1", "93.184.215.14" }, true, "a public address, and the webhook uses http")]
    [InlineData("https://127.0.0.1/p", new[] { "127.0.0.1" }, false, "127.0.0.1 is a loopback address")]
    [InlineData("https://hooks.test/p", new string[0], true, "hooks.test has no address")]
    public void Check_Target_IsAcceptedOrRefused(string url, string[] addresses, bool allowPrivate, string? problem)
    {
        var refused = WebhookTarget.Check(new Uri(url), addresses.Select(IPAddress.Parse).ToArray(), allowPrivate);

        if (problem is null)
        {
            Assert.Null(refused);
        }
        else
        {
            Assert.Contains(problem, refused, StringComparison.Ordinal);
        }
    }

    private static ApprovalWebhook Webhook(string url, bool allowPrivate) =>
        new(url, "webhook-secret-for-tests-0123456789") { AllowPrivate = allowPrivate };

    private static Func<string, CancellationToken, Task<IPAddress[]>> Resolve(params IPAddress[] addresses) =>
        (host, _) => host is "hooks.test" or "approvals.test" ? Task.FromResult(addresses) : throw new SocketException((int)SocketError.HostNotFound);

    private static string Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A loopback HTTP server that counts the POSTs it receives.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private Receiver(WebApplication app) => _app = app;

        public int Requests => Volatile.Read(ref _requests);

        public int Port => new Uri(_app.ListeningAddress()).Port;

        public static async Task<Receiver> StartAsync(Func<HttpContext, IResult> answer)
        {
            var app = LoopbackApp.Create();
            var receiver = new Receiver(app);
            app.MapPost("/hook", (HttpContext context) =>
            {
                Interlocked.Increment(ref receiver._requests);
                return answer(context);
            });
            await app.StartAsync(Cancel);
            return receiver;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
