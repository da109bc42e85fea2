using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Web.Hosting;

namespace Portcullis.Web.Browser;

public sealed class SignInLimitTests
{
    [Fact]
    public async Task SignInAttempts_PastTheLimit_Get429_BeforeTheTokenIsLookedAt()
    {
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = StoreConfig.Memory,
            Admins = [new AdminConfig { Name = "ops", Token = AdminUiFixture.AdminToken }],
        };
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, [AdminUi.WithSignInLimit(3)], logging => logging.ClearProviders(), TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var url = app.ListeningAddress() + "/admin/actions/sign-in";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var content = new FormUrlEncodedContent([new("token", "pca_wrong-token-0123456789abcdefghij")]);
            using var response = await http.PostAsync(url, content, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        // Without an anti-forgery token the first three are refused with 400; the fourth is not even read.
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
