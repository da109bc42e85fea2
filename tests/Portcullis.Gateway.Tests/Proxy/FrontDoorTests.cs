using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Storage.Sessions;
using System.Net;
using System.Text.Json;
using Portcullis.Gateway.Sessions;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>Authentication, origin, session and input checks at /mcp/{server}: each refused request reaches no upstream.</summary>
public sealed class FrontDoorTests(GatewayFixture gateway)
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";

    [Theory]
    [InlineData(null, "Missing bearer token", "Bearer realm=\"portcullis\"")]
    [InlineData("Basic dXNlcjpwYXNz", "Missing bearer token", "Bearer realm=\"portcullis\"")]
    [InlineData("Bearer ", "Missing bearer token", "Bearer realm=\"portcullis\"")]
    [InlineData("Bearer pcg_not-a-real-token-at-all-000000000", "does not belong to any grant",
        "Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"The token does not belong to any grant.\"")]
    public async Task Post_WithoutAValidToken_Is401AndForwardsNothing(string? authorization, string message, string challenge)
    {
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(GatewayFixture.Initialize, token: null, "recorder",
            headers: h => { if (authorization is not null) { h.TryAddWithoutValidation("Authorization", authorization); } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(challenge, response.Headers.WwwAuthenticate.ToString());
        await AssertErrorAsync(response, -32001, message);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData("Grant 'a\"b' has expired.", "Grant 'a'b' has expired.")]
    [InlineData("back\\slash\r\nand\u00e9", "back/slash??and?")]
    public void BearerChallenge_ReasonWithCharactersRfc6750Forbids_ReplacesThem(string reason, string description)
    {
        Assert.Equal($"Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"{description}\"",
            Portcullis.Gateway.Proxy.McpProxyHandler.BearerChallenge(Portcullis.Gateway.Grants.GrantCheckStatus.Expired, reason));
    }

    [Fact]
    public async Task Post_RevokedGrant_Is401OnTheNextRequest()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var grant = (await gateway.Grants.CheckAsync("Bearer " + token, "recorder")).Grant!;

        Assert.True(gateway.Grants.Revoke(grant.Name));
        using var response = await gateway.PostAsync(ToolsList, token, "recorder", session);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"Grant '{grant.Name}' has been revoked.\"",
            response.Headers.WwwAuthenticate.ToString());
        await AssertErrorAsync(response, -32001, $"Grant '{grant.Name}' has been revoked.");
    }

    [Fact]
    public async Task Post_ExpiredGrant_Is401()
    {
        var token = Portcullis.Gateway.Grants.GrantRegistry.NewToken();
        gateway.Grants.Add("expired-" + Guid.NewGuid().ToString("N")[..6], token, ["recorder"], expires: DateTimeOffset.UtcNow.AddMinutes(-1));

        using var response = await gateway.PostAsync(GatewayFixture.Initialize, token, "recorder");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\", error_description=\"Grant 'expired-", response.Headers.WwwAuthenticate.ToString());
        await AssertErrorAsync(response, -32001, "has expired");
    }

    [Fact]
    public async Task Post_GrantForAnotherServer_Is403()
    {
        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("codex"), "recorder");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertErrorAsync(response, -32001, "may not use server 'recorder'");
    }

    [Fact]
    public async Task Post_UnknownServer_Is404()
    {
        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant(), "nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertErrorAsync(response, -32600, "Unknown server 'nope'");
    }

    [Fact]
    public async Task Post_ForeignOrigin_Is403BeforeAuthentication()
    {
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(GatewayFixture.Initialize, token: null, "recorder", headers: h => h.Add("Origin", "http://evil.example"));
        using var allowed = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("recorder"), "recorder", headers: h => h.Add("Origin", "http://localhost:3000"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertErrorAsync(response, -32001, "Origin 'http://evil.example' is not allowed.");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(before + 1, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData("attacker.example:8080")]
    [InlineData("rebound.example")]
    public async Task Post_ForeignHost_Is403BeforeAuthentication(string host)
    {
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("recorder"), "recorder", headers: h => h.Host = host);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertErrorAsync(response, -32001, "is not allowed");
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Fact]
    public async Task Forwarded_Request_CarriesTheUpstreamCredential_NeverTheAgents()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");

        using var response = await gateway.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{}}}""",
            token, "recorder", session, headers: h => h.Add("Cookie", "agent=secret"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var (headers, body) = gateway.Recorder.ClientMessages[^1];
        Assert.Contains("\"id\":7", body, StringComparison.Ordinal);
        Assert.Equal("upstream-credential", headers["X-Upstream-Key"].ToString());
        Assert.Equal("upstream-session-1", headers["Mcp-Session-Id"].ToString());
        Assert.False(headers.ContainsKey("Authorization"));
        Assert.False(headers.ContainsKey("Cookie"));
        Assert.DoesNotContain(gateway.Recorder.ClientMessages, r => r.Headers.Values.Any(v => v.ToString().Contains(token, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Session_OfAnotherGrant_IsUnknown()
    {
        var session = await gateway.OpenSessionAsync(gateway.NewGrant("recorder"), "recorder");
        var before = gateway.Recorder.ClientMessages.Count;

        using var stolen = await gateway.PostAsync(ToolsList, gateway.NewGrant("recorder"), "recorder", session);
        using var bogus = await gateway.PostAsync(ToolsList, gateway.NewGrant("recorder"), "recorder", "pcs_bogus");
        using var missing = await gateway.PostAsync(ToolsList, gateway.NewGrant("recorder"), "recorder");

        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bogus.StatusCode);
        Assert.Equal(await stolen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), (await bogus.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Replace("null", "2", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Fact]
    public async Task SessionIds_AreUniqueLongAndVisibleAscii()
    {
        var registry = new SessionRegistry(new InMemorySessionStore(), TimeProvider.System, NullLogger<SessionRegistry>.Instance);
        var ids = new List<string>();
        for (var i = 0; i < 10_000; i++)
        {
            ids.Add((await registry.CreateAsync("g", "s", null, TestContext.Current.CancellationToken)).Id);
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^pcs_[A-Za-z0-9_-]{43}$", id));
    }

    [Theory]
    [InlineData("not json", 400, -32700, "not valid JSON")]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"tools/list"}""", 400, -32600, "\"jsonrpc\" must be \"2.0\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":5}""", 400, -32600, "\"method\" must be a non-empty string")]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"tools/list"}""", 400, -32600, "\"id\" must be a string or a number")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}]""", 400, -32600, "batches are not supported")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo"}}""", 400, -32600, "must be a request with an id")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"delete_all"}}""", 400, -32600, "repeats a property name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"path":"ok","x":{"path":"/etc","path":"ok"}}}}""", 400, -32600,
        "repeats a property name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"a":1,}}}""", 400, -32700, "not valid JSON")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":[1]}}""", 200, -32602, "arguments must be a JSON object")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_all"}}""", 200, -32602, "Unknown tool: delete_all")]
    public async Task Post_BadMessage_IsRefusedWithAPreciseError(string body, int status, int code, string message)
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(body, token, "recorder", session);

        Assert.Equal(status, (int)response.StatusCode);
        await AssertErrorAsync(response, code, message);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(65, false)]
    [InlineData(100_000, false)]
    public async Task Post_ArgumentsNestedDeeperThanTheMaximum_AreRefused(int depth, bool accepted)
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;
        // The arguments object is level 1; each further {"a": ...} adds one.
        var arguments = string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);
        var body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":""" + arguments + "}}";

        using var response = await gateway.PostAsync(body, token, "recorder", session);

        if (accepted)
        {
            // Forwarded; what the upstream makes of such nesting is its own affair.
            Assert.Equal(before + 1, gateway.Recorder.ClientMessages.Count);
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertErrorAsync(response, -32600, "tool arguments may nest at most 64");
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Fact]
    public async Task Post_OversizedBody_Is413()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"x\":\"" + new string('a', 5 * 1024 * 1024) + "\"}}}";

        // Expect: 100-continue lets the client read the refusal instead of writing into a closed connection.
        using var response = await gateway.PostAsync(big, token, "recorder", session, headers: h => h.ExpectContinue = true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertErrorAsync(response, -32600, "larger than 1048576 bytes");
    }

    [Fact]
    public async Task Post_WrongContentTypeOrProtocolVersion_IsRefused()
    {
        var token = gateway.NewGrant("recorder");

        using var plain = await gateway.PostAsync(GatewayFixture.Initialize, token, "recorder", contentType: "text/plain");
        using var version = await gateway.PostAsync(GatewayFixture.Initialize, token, "recorder", headers: h => h.Add("MCP-Protocol-Version", "1999-01-01"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, version.StatusCode);
        await AssertErrorAsync(version, -32600, "Unsupported MCP-Protocol-Version '1999-01-01'");
    }

    [Fact]
    public async Task ToolsList_HidesToolsThePolicyHides()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");

        using var response = await gateway.PostAsync(ToolsList, token, "recorder", session);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["echo"], json.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Delete_EndsTheSession()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        using var request = new HttpRequestMessage(HttpMethod.Delete, gateway.McpUrl("recorder"));
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("Mcp-Session-Id", session);

        using var deleted = await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
        using var after = await gateway.PostAsync(ToolsList, token, "recorder", session);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, int code, string message)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
