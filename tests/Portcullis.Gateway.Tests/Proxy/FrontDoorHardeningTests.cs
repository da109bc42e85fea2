using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Hosting;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Proxy;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// What an attacker tried at the front door: text that is not Unicode, methods outside the
/// protocol, the gateway's own origin, CORS preflights, probing server ids, flooding refusals,
/// and a fault inside the gateway. Nothing refused reaches the upstream, and refusals are audited.
/// </summary>
public sealed class FrontDoorHardeningTests(GatewayFixture gateway)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> NotUnicode => new()
    {
        { """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\ud800"}}}""", "escapes a surrogate without its pair" },
        { """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ech\udc00o","arguments":{}}}""", "escapes a surrogate without its pair" },
        { """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"\ud800x":1}}}""", "a property name" },
    };

    [Theory]
    [MemberData(nameof(NotUnicode))]
    public async Task Post_LoneSurrogate_IsRefusedWithParseErrorAndForwardsNothing(string body, string message)
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(body, token, "recorder", session);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertErrorAsync(response, -32700, message);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Fact]
    public async Task Post_RawBytesThatAreNotUtf8_AreRefusedWithParseError()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;
        var body = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"AB"}}}""");
        var index = Array.IndexOf(body, (byte)'A');
        body[index] = 0xFF;
        body[index + 1] = 0xFE;

        using var response = await PostBytesAsync(body, token, session);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertErrorAsync(response, -32700, "not valid UTF-8");
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"Tools/Call","params":{"name":"echo"}}""", HttpStatusCode.OK, "is not 'tools/call'")]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"TOOLS/LIST"}""", HttpStatusCode.OK, "is not 'tools/list'")]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"foo/bar"}""", HttpStatusCode.OK, "is not part of the MCP revisions")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/foo"}""", HttpStatusCode.BadRequest, "is not part of the MCP revisions")]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{}}""", HttpStatusCode.OK, "is not part of the MCP revisions")]
    public async Task Post_MethodOutsideTheProtocol_IsMethodNotFoundAndForwardsNothing(string body, HttpStatusCode status, string message)
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(body, token, "recorder", session);

        Assert.Equal(status, response.StatusCode);
        await AssertErrorAsync(response, -32601, message);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"echo","Name":"delete_all","arguments":{}}}""", "differ only by case ('Name')")]
    [InlineData("""{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{}},"Params":{"name":"delete_all","arguments":{}}}""", "differ only by case ('Params')")]
    [InlineData("""{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo","arguments":{}},"paramſ":{"name":"delete_all","arguments":{}}}""", "differ only by case ('paramſ')")]
    [InlineData("""{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"echo","arguments":{"path":"/data/a","Path":"/etc/passwd"}}}""", "differ only by case ('Path')")]
    [InlineData("""{"jsonrpc":"2.0","id":"s1","Method":"tools/call","params":{"name":"delete_all","arguments":{}},"result":{}}""", "Unknown member 'Method'")]
    [InlineData("""{"jsonrpc":"2.0","id":14,"result":{},"params":{"name":"delete_all"}}""", "A response carries result or error, not params.")]
    [InlineData("""{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"echo"},"result":{}}""", "never both")]
    [InlineData("""{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"echo"},"extra":{"name":"delete_all"}}""", "Unknown member 'extra'")]
    public async Task Post_NamesALenientServerWouldReadDifferently_AreRefusedAndForwardNothing(string body, string message)
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var before = gateway.Recorder.ClientMessages.Count;

        using var response = await gateway.PostAsync(body, token, "recorder", session);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertErrorAsync(response, -32600, message);
        Assert.Equal(before, gateway.Recorder.ClientMessages.Count);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n", "400")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX\r\n0\r\n\r\n", "400")]
    public async Task Post_BodyWithBrokenFraming_IsA400NotAFault(string framing, string status)
    {
        var token = gateway.NewGrant("recorder");
        var uri = new Uri(gateway.McpUrl("recorder"));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port, Cancel);
        var stream = client.GetStream();
        var head = $"POST {uri.AbsolutePath} HTTP/1.1\r\nHost: 127.0.0.1:{uri.Port}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\nConnection: close\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + framing), Cancel);
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync(Cancel);

        Assert.True(answer.StartsWith("HTTP/1.1 " + status, StringComparison.Ordinal), answer);
        Assert.DoesNotContain("could not handle this request", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_HiddenToolUnderDefaultDeny_AnswersLikeANameWithNoRule()
    {
        await using var recorder = await RecordingUpstream.StartAsync();
        const string token = "hidden-probe-token-0123456789abcdef";
        var config = new Portcullis.Gateway.Configuration.GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new Portcullis.Gateway.Configuration.UpstreamServerConfig
                {
                    Id = "strict",
                    Url = recorder.Url,
                    PolicyText = """{"version": "1", "default": "deny", "hide": ["secret_*"], "tools": {"echo": {}}}""",
                },
            ],
            Grants = [new Portcullis.Gateway.Configuration.GrantConfig { Name = "prober", Servers = ["strict"], Token = token }],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/strict";
        var session = await McpHttp.OpenSessionAsync(http, url, token, Cancel);

        using var hidden = await McpHttp.PostAsync(http, url, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"secret_tool","arguments":{}}}""", token, session, Cancel);
        using var missing = await McpHttp.PostAsync(http, url, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"secret_toox","arguments":{}}}""", token, session, Cancel);

        Assert.Equal(missing.StatusCode, hidden.StatusCode);
        Assert.Equal((await missing.Content.ReadAsStringAsync(Cancel)).Replace("secret_toox", "secret_tool", StringComparison.Ordinal),
            await hidden.Content.ReadAsStringAsync(Cancel));
        Assert.DoesNotContain(recorder.Requests, r => r.Body.Contains("tools/call", StringComparison.Ordinal));
        await app.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Methods_AllowMethods_AddsOnlyTheNamedMethods()
    {
        var methods = new McpMethods(["vendor/reindex"]);

        Assert.Null(methods.RefusalFromClient("vendor/reindex"));
        Assert.Null(methods.RefusalFromClient("tools/call"));
        Assert.NotNull(methods.RefusalFromClient("vendor/other"));
        Assert.NotNull(McpMethods.Protocol.RefusalFromClient("vendor/reindex"));
        Assert.True(methods.AllowsFromServer("vendor/reindex"));
        Assert.False(McpMethods.Protocol.AllowsFromServer("vendor/reindex"));
        Assert.True(McpMethods.Protocol.AllowsFromServer("sampling/createMessage"));
        Assert.Equal("tools/call", McpMethods.CaseVariantOf("tools/CALL"));
    }

    [Fact]
    public async Task Post_TheGatewaysOwnOrigin_IsAccepted()
    {
        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("recorder"), "recorder",
            headers: h => h.Add("Origin", gateway.BaseUrl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("https://127.0.0.1")]
    [InlineData("null")]
    [InlineData("{0}/path")]
    [InlineData("http://evil@{1}")]
    public async Task Post_AnOriginThatOnlyResemblesTheGateways_Is403(string origin)
    {
        origin = string.Format(System.Globalization.CultureInfo.InvariantCulture, origin, gateway.BaseUrl, new Uri(gateway.BaseUrl).Authority);
        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("recorder"), "recorder", headers: h => h.Add("Origin", origin));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertErrorAsync(response, -32001, "is not allowed");
    }

    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_IsAnsweredWithCorsHeaders()
    {
        using var response = await PreflightAsync("http://localhost:3000");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Authorization", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_Is403WithoutCorsHeaders()
    {
        using var response = await PreflightAsync("http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Post_FromAnAllowedOrigin_ExposesTheSessionHeader()
    {
        using var response = await gateway.PostAsync(GatewayFixture.Initialize, gateway.NewGrant("recorder"), "recorder",
            headers: h => h.Add("Origin", "http://localhost:3000"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Mcp-Session-Id", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("pcg_not-a-real-token-at-all-000000000")]
    public async Task Post_UnknownServerWithoutAGrant_Is401LikeAKnownOne(string? token)
    {
        using var unknown = await gateway.PostAsync(GatewayFixture.Initialize, token, "no-such-server");
        using var known = await gateway.PostAsync(GatewayFixture.Initialize, token, "recorder");

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(Cancel), await unknown.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Refusal_OfAnUnknownToken_IsAuditedWithAFingerprintNeverTheToken()
    {
        var token = "pcg_attacker-" + Guid.NewGuid().ToString("N");

        using var response = await gateway.PostAsync(GatewayFixture.Initialize, token, "recorder");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var fingerprint = "token:sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..8];
        var record = (await RefusalsAsync()).Single(r => r.Actor == fingerprint);
        Assert.Equal("auth.unknown_token", record.Action);
        Assert.Equal("recorder", record.Server);
        Assert.Contains("does not belong to any grant", record.Reason, StringComparison.Ordinal);
        Assert.StartsWith("client:", record.Target, StringComparison.Ordinal);
        Assert.DoesNotContain(token, AuditCanonicalForm.CanonicalJson(JsonSerializer.Serialize(record)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_OfAMalformedMessage_IsAuditedWithItsGrant()
    {
        var token = gateway.NewGrant("recorder");
        var session = await gateway.OpenSessionAsync(token, "recorder");
        var grant = (await gateway.Grants.CheckAsync("Bearer " + token, "recorder", Cancel)).Grant!.Name;

        using var response = await gateway.PostAsync("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", token, "recorder", session);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var record = (await RefusalsAsync()).Single(r => r.Grant == grant);
        Assert.Equal("bad_request", record.Action);
        Assert.Contains("\"jsonrpc\" must be \"2.0\"", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_InAFlood_AreRationedAndTheSkippedOnesCounted()
    {
        // A gateway of its own: the flood empties its ration, which would starve other tests' refusal records.
        await using var recorder = await RecordingUpstream.StartAsync();
        await using var app = await GatewayApp.BuildAsync(new Portcullis.Gateway.Configuration.GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers = [new Portcullis.Gateway.Configuration.UpstreamServerConfig { Id = "recorder", Url = recorder.Url, PolicyText = """{"version": "1", "default": "allow"}""" }],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), Cancel);
        await app.StartAsync(Cancel);
        using var http = new HttpClient();
        var url = app.ListeningAddress() + "/mcp/recorder";
        async Task<HttpStatusCode> PostWithoutTokenAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(GatewayFixture.Initialize, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            using var response = await http.SendAsync(request, Cancel);
            return response.StatusCode;
        }

        async Task<List<AuditRecord>> OwnRefusalsAsync()
        {
            await app.Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>().FlushAsync(Cancel);
            return [.. await app.Services.GetRequiredService<Portcullis.Storage.StoreSet>().Audit
                .QueryAsync(new AuditQuery { Kind = AuditKinds.Refusal, Limit = 100_000 }, Cancel)];
        }

        var started = DateTimeOffset.UtcNow;
        const int flood = 400;

        await Parallel.ForAsync(0, flood, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel }, async (_, _) =>
            Assert.Equal(HttpStatusCode.Unauthorized, await PostWithoutTokenAsync()));

        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        var written = (await OwnRefusalsAsync()).Count;
        Assert.InRange(written, 1, RefusalRecorder.Burst + (RefusalRecorder.PerSecond * (Math.Ceiling(seconds) + 1)));
        Assert.True(written < flood, $"{written} of {flood} refusals were written: the ration did not hold.");

        await Task.Delay(TimeSpan.FromSeconds(1.1), Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, await PostWithoutTokenAsync());
        Assert.Contains(await OwnRefusalsAsync(), r => r.Reason!.Contains("were not recorded one by one", StringComparison.Ordinal));
        await app.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Guard_AnUnexpectedFailure_IsA503WithAReferenceNeverAStackTrace()
    {
        var handler = gateway.Service<McpProxyHandler>();
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await handler.GuardAsync(context, "recorder", (_, _) => throw new InvalidOperationException("secret internals at Portcullis.Internal"));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        var body = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        using var json = JsonDocument.Parse(body);
        Assert.Equal(-32603, json.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Matches("reference err_[0-9a-f]{16} in its log", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain("secret internals", body, StringComparison.Ordinal);
        Assert.Contains(await RefusalsAsync(), r => r.Action == "internal_error" && r.Reason == json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    private async Task<List<AuditRecord>> RefusalsAsync()
    {
        await gateway.Audit.FlushAsync(Cancel);
        return [.. await gateway.State.Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Refusal, Limit = 100_000 }, Cancel)];
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, gateway.McpUrl("recorder"));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, mcp-session-id");
        return await gateway.Http.SendAsync(request, Cancel);
    }

    private Task<HttpResponseMessage> PostBytesAsync(byte[] body, string token, string session) =>
        McpHttp.PostAsync(gateway.Http, gateway.McpUrl("recorder"), body, token, session, Cancel);

    private static async Task AssertErrorAsync(HttpResponseMessage response, int code, string message)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
