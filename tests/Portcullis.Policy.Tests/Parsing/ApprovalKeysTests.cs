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
}
