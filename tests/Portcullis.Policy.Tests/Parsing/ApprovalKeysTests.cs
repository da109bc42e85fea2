using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Parsing;

public sealed class ApprovalKeysTests
{
    [Fact]
    public void RememberAndWebhook_AreRead_AndWrittenBack()
    {
        var result = PolicyParser.Parse("""
            {"version": "1", "tools": {"deploy": {"action": "require_approval",
              "approval": {"timeout": "15m", "remember": "5m", "webhook": {"url": "https://hooks.example/p", "secret": "env:HOOK_SECRET"}}}}}
            """, PolicyFormat.Json);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var approval = result.Policy!.Document.Tools["deploy"].Approval!;
        Assert.Equal(TimeSpan.FromMinutes(5), approval.Remember);
        Assert.Equal(("https://hooks.example/p", "env:HOOK_SECRET"), (approval.Webhook!.Url, approval.Webhook.Secret));
        var rewritten = PolicyParser.Parse(PolicyWriter.ToJson(result.Policy.Document), PolicyFormat.Json);
        Assert.Equal(approval, rewritten.Policy!.Document.Tools["deploy"].Approval);
    }

    [Theory]
    [InlineData("""{"remember": "soon"}""", "/tools/deploy/approval/remember")]
    [InlineData("""{"webhook": {"url": "ftp://x", "secret": "s"}}""", "/tools/deploy/approval/webhook/url")]
    [InlineData("""{"webhook": {"url": "https://user:pw@x/"}}""", "/tools/deploy/approval/webhook/url")]
    [InlineData("""{"webhook": {"url": "https://x/", "secret": ""}}""", "/tools/deploy/approval/webhook/secret")]
    [InlineData("""{"webhook": {"url": "https://x/", "secret": "s", "retries": 3}}""", "/tools/deploy/approval/webhook/retries")]
    public void BadApprovalKeys_AreReportedWithTheirPointer(string approval, string path)
    {
        var result = PolicyParser.Parse("""{"version": "1", "tools": {"deploy": {"approval": """ + approval + "}}}", PolicyFormat.Json);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("https://127.0.0.1:9000/hook", "a loopback address")]
    [InlineData("https://127.1/hook", "a loopback address")]
    [InlineData("https://2130706433/hook", "a loopback address")]
    [InlineData("https://0.0.0.0/hook", "an unspecified address")]
    [InlineData("https://10.1.2.3/hook", "a private address")]
    [InlineData("https://192.168.0.10/hook", "a private address")]
    [InlineData("https://169.254.169.254/latest/meta-data", "a link-local address")]
    [InlineData("https://100.64.0.1/hook", "a carrier-grade NAT address")]
    [InlineData("https://[::1]/hook", "a loopback address")]
    [InlineData("https://[fd00::1]/hook", "a unique-local address")]
    [InlineData("https://[::ffff:192.168.0.1]/hook", "a private address")]
    [InlineData("https://[fe80::1]/hook", "a link-local address")]
    public void Webhook_LiteralNonPublicAddress_IsAnErrorWithoutAllowPrivate(string url, string kind)
    {
        var errors = Policies.Errors(Webhook($$"""{"url": "{{url}}", "secret": "env:S"}"""));

        var error = Assert.Single(errors);
        Assert.Equal("/tools/deploy/approval/webhook/url", error.Path);
        Assert.Equal(2, error.Position.Line);
        Assert.Contains(kind, error.Message, StringComparison.Ordinal);
        Assert.Contains("\"allow_private\": true", error.Hint, StringComparison.Ordinal);
        Assert.True(PolicyParser.Parse(Webhook($$"""{"url": "{{url}}", "secret": "env:S", "allow_private": true}"""), PolicyFormat.Json).Succeeded);
    }

    [Theory]
    [InlineData("""{"url": "http://hooks.example/p", "secret": "s"}""", "/url", "only posted over https")]
    [InlineData("""{"url": "http://8.8.8.8/p", "secret": "s", "allow_private": true}""", "/url", "a public address; http is only for private receivers")]
    [InlineData("""{"url": "https://hooks.example/p", "secret": "s", "allow_private": "yes"}""", "/allow_private", "true or false")]
    public void Webhook_BadTargetOrFlag_IsReported(string webhook, string suffix, string message)
    {
        var errors = Policies.Errors(Webhook(webhook));

        var error = Assert.Single(errors);
        Assert.Equal("/tools/deploy/approval/webhook" + suffix, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"url": "https://hooks.example/p", "secret": "s"}""", false)]
    [InlineData("""{"url": "https://8.8.8.8/p", "secret": "s"}""", false)]
    [InlineData("""{"url": "https://localhost/p", "secret": "s"}""", false)]
    [InlineData("""{"url": "http://127.0.0.1:8080/p", "secret": "s", "allow_private": true}""", true)]
    [InlineData("""{"url": "http://approvals.internal/p", "secret": "s", "allow_private": true}""", true)]
    [InlineData("""{"url": "https://hooks.example/p", "secret": "s", "allow_private": false}""", false)]
    public void Webhook_AcceptedTarget_KeepsAllowPrivate_AndWritesItBack(string webhook, bool allowPrivate)
    {
        var policy = Policies.Compile(Webhook(webhook));

        var read = policy.Document.Tools["deploy"].Approval!.Webhook!;
        Assert.Equal(allowPrivate, read.AllowPrivate);
        Assert.Equal(read, Policies.Compile(PolicyWriter.ToJson(policy.Document)).Document.Tools["deploy"].Approval!.Webhook);
    }

    private static string Webhook(string webhook) => """
        {"version": "1", "tools": {"deploy": {"action": "require_approval",
          "approval": {"webhook": 
        """ + webhook + "}}}}";
}
