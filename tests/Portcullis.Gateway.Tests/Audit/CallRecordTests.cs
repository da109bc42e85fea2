using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Audit;

/// <summary>Every tools/call decision through the shared gateway becomes exactly one audit record with its fields.</summary>
public sealed class CallRecordTests(GatewayFixture gateway)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Call(int id, string tool, string arguments) =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{"name":"{{tool}}","arguments":{{arguments}}""" + "}}";

    [Fact]
    public async Task MixedOutcomes_GiveExactlyOneRecordEach_WithTheirFields()
    {
        var token = gateway.NewGrant("codex");
        var grant = (await gateway.Grants.CheckAsync("Bearer " + token, "codex", Cancel)).Grant!.Name;
        var session = await gateway.OpenSessionAsync(token);
        (string Tool, string Arguments)[] calls =
        [
            ("code_generate", """{"description":"add","language":"python"}"""),
            ("code_generate", """{"description":"add","language":"go"}"""),
            ("code_generate", """{"description":"add","language":"bash"}"""),
            ("code_generate", """{"description":"add","language":"rust"}"""),
            ("code_generate", """{"description":"add","language":"c"}"""),
            ("describe_codebase", """{"subject":"."}"""),
            ("review_code", """{"code":"print(1)"}"""),
            ("delete_everything", """{}"""),
        ];
        for (var i = 0; i < calls.Length; i++)
        {
            using var response = await gateway.PostAsync(Call(i + 10, calls[i].Tool, calls[i].Arguments), token, session: session);
            Assert.True(response.IsSuccessStatusCode);
            await response.Content.ReadAsStringAsync(Cancel);
        }

        await gateway.Audit.FlushAsync(Cancel);
        var records = (await gateway.State.Audit.QueryAsync(new AuditQuery { Grant = grant, Kind = AuditKinds.Call }, Cancel)).Reverse().ToList();

        Assert.Equal(calls.Length, records.Count);
        Assert.Equal(
            ["allow", "allow", "deny", "allow", "deny", "deny", "allow", "deny"],
            records.Select(r => r.Decision));
        Assert.Equal(calls.Select(c => c.Tool), records.Select(r => r.Tool));
        Assert.All(records, r =>
        {
            Assert.Equal(("codex", session, "tools/call"), (r.Server, r.Session, r.Method));
            Assert.Equal(gateway.Policies.VersionOf("codex"), r.PolicyVersion);
            Assert.StartsWith("req_", r.RequestId, StringComparison.Ordinal);
            Assert.NotNull(r.TotalMicros);
        });
        Assert.Equal("""["description","language"]""", records[0].Arguments);
        Assert.Equal((200, "/tools/code_generate"), (records[0].UpstreamStatus, records[0].RuleId));
        Assert.NotNull(records[0].UpstreamMicros);
        Assert.Equal(("/tools/code_generate/deny_if/0", "Shell generation is not allowed."), (records[2].RuleId, records[2].Reason));
        Assert.Equal("/tools/code_generate/limits/0", records[4].RuleId);
        Assert.Null(records[4].UpstreamStatus);
        Assert.Equal("/tools/describe_codebase/action", records[5].RuleId);
        Assert.Equal("(default deny)", records[7].RuleId);
    }
}
