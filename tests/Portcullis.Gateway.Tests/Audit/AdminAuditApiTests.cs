using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Portcullis.Gateway.Tests.Audit;

public sealed class AdminAuditApiTests(GatewayFixture gateway)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> GetAsync(string query, string? token, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{gateway.BaseUrl}/admin/api/audit{query}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await gateway.Http.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task AnAdmin_QueriesRecordsWithTheCliFilters()
    {
        var token = gateway.NewGrant("codex");
        var grant = (await gateway.Grants.CheckAsync("Bearer " + token, "codex", Cancel)).Grant!.Name;
        var session = await gateway.OpenSessionAsync(token);
        foreach (var tool in new[] { "review_code", "describe_codebase", "review_code" })
        {
            using var call = await gateway.PostAsync(
                $$"""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"{{tool}}","arguments":{"code":"x"}""" + "}}", token, session: session);
            await call.Content.ReadAsStringAsync(Cancel);
        }

        await gateway.Audit.FlushAsync(Cancel);
        using var response = await GetAsync($"?grant={grant}&decision=allow&since=1h&limit=10", GatewayFixture.AdminToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var records = body.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(("review_code", grant), (r.GetProperty("tool").GetString(), r.GetProperty("grant").GetString())));
        Assert.True(records[0].GetProperty("seq").GetInt64() > records[1].GetProperty("seq").GetInt64());
    }

    [Theory]
    [InlineData(null, null, null, 401, "An admin token is required")]
    [InlineData("grant", null, null, 401, "An admin token is required")]
    [InlineData("approver", null, null, 403, "approver role")]
    [InlineData("admin", "?since=yesterday", null, 400, "since: 'yesterday'")]
    [InlineData("admin", "?limit=0", null, 400, "limit: expected a whole number from 1 to 1000")]
    [InlineData("admin", "", "https://evil.example", 403, "Origin 'https://evil.example' is not allowed")]
    public async Task BadRequests_AreRefusedWithAPreciseError(string? who, string? query, string? origin, int status, string message)
    {
        var token = who switch
        {
            "grant" => gateway.NewGrant("codex"),
            "approver" => GatewayFixture.ApproverToken,
            "admin" => GatewayFixture.AdminToken,
            _ => null,
        };

        using var response = await GetAsync(query ?? "", token, origin);

        Assert.Equal(status, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Contains(message, body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        if (status == 401)
        {
            Assert.Equal("Bearer realm=\"portcullis-admin\"", response.Headers.WwwAuthenticate.ToString());
        }
    }
}
