using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>
/// A gateway of its own in front of a <see cref="RecordingUpstream"/> of its own, so that every
/// request the upstream records was sent by the property tests, one at a time.
/// </summary>
public sealed class FrontDoorPropertyFixture : IAsyncLifetime
{
    /// <summary>Allows by default, hides <c>delete_*</c>, denies <c>blocked</c> always and <c>guarded</c> when <c>args.mode</c> is <c>danger</c>.</summary>
    public const string Policy = """
        {
          "version": "1",
          "default": "allow",
          "hide": ["delete_*"],
          "tools": {
            "blocked": { "action": "deny", "reason": "Blocked in tests." },
            "guarded": { "deny_if": [{ "conditions": [{ "path": "args.mode", "op": "eq", "value": "danger" }], "on_deny": "No danger." }] }
          }
        }
        """;

    private WebApplication _app = null!;

    internal RecordingUpstream Recorder { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public string McpUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Recorder = await RecordingUpstream.StartAsync();
        _app = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Servers =
            [
                new UpstreamServerConfig
                {
                    Id = "recorder",
                    Url = Recorder.Url,
                    PolicyText = Policy,
                    // The recorder fails on messages it cannot read (a client's response, say); a breaker would then
                    // refuse later bodies without forwarding them, and every body must be judged on its own.
                    Limits = new UpstreamLimits { Timeout = TimeSpan.FromSeconds(10), CircuitBreaker = null },
                },
            ],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders());
        await _app.StartAsync();
        McpUrl = _app.ListeningAddress() + "/mcp/recorder";
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Recorder.DisposeAsync();
    }

    /// <summary>A fresh grant, so the audit records of one body are told apart by the grant's name.</summary>
    public (string Token, string Grant) NewGrant()
    {
        var token = GrantRegistry.NewToken();
        var name = "prop-" + Guid.NewGuid().ToString("N")[..12];
        _app.Services.GetRequiredService<GrantRegistry>().Add(name, token, ["recorder"]);
        return (token, name);
    }

    public Task<HttpResponseMessage> PostAsync(byte[] body, string token, string? session, CancellationToken cancellationToken) =>
        McpHttp.PostAsync(Http, McpUrl, body, token, session, cancellationToken);

    public Task<string> OpenSessionAsync(string token, CancellationToken cancellationToken) => McpHttp.OpenSessionAsync(Http, McpUrl, token, cancellationToken);

    /// <summary>The call records of <paramref name="grant"/>, once everything recorded so far is stored.</summary>
    public async Task<IReadOnlyList<AuditRecord>> CallRecordsAsync(string grant, CancellationToken cancellationToken)
    {
        await _app.Services.GetRequiredService<Portcullis.Gateway.Audit.AuditLog>().FlushAsync(cancellationToken);
        var store = _app.Services.GetRequiredService<Portcullis.Storage.StoreSet>().Audit;
        return await store.QueryAsync(new AuditQuery { Grant = grant, Kind = AuditKinds.Call }, cancellationToken);
    }
}
