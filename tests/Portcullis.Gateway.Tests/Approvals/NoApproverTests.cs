using Microsoft.Extensions.Logging;
using Portcullis.Cli.Demo;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Gateway.Tests.Distributed;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;
using Portcullis.Cli.Stores;

namespace Portcullis.Gateway.Tests.Approvals;

public sealed class NoApproverTests
{
    [Fact]
    public async Task WithoutAdminsAndWithAMemoryStore_ACallNeedingApproval_IsDeniedAtOnce()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var upstream = await DemoUpstream.StartAsync(cancel);
        var app = await GatewayApp.BuildAsync(new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = StoreConfig.Memory,
            Servers = [new UpstreamServerConfig { Id = "codex", Url = upstream.Url, PolicyText = ApprovalTests.Policy }],
            Grants = [new GrantConfig { Name = "agent", Token = GatewayCluster.Token, Servers = ["codex"] }],
        }, ConfiguredStores.OpenAsync, logging => logging.ClearProviders(), cancel);
        await using (app)
        {
            await app.StartAsync(cancel);
            using var http = new HttpClient();
            var url = new Uri($"{app.ListeningAddress()}/mcp/codex");
            var session = await OpenSessionAsync(http, url);

            using var response = await PostAsync(http, url, ApprovalTests.Call("code_generate", """{"description":"x"}"""), session);

            Assert.Contains("[POLICY DENIED] Generated code needs a look. Nobody could approve it here", await response.Content.ReadAsStringAsync(cancel),
                StringComparison.Ordinal);
            Assert.Equal(0, upstream.ToolCallsServed);
            await app.StopAsync(cancel);
        }
    }
}
